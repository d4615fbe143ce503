"""`python -m checker.sms.worker`: the RQ worker (with the scheduler) for the SMS queue.

Same as `rq worker --with-scheduler --url $REDIS_URL <prefix>sms`, plus: it is built by the
same composition root as the web app (checker.services, from the same Settings), schedules
the periodic sweep, and runs the consumers of finished screenings (checker.finishes: the
staff board's check-ins, staff alerts) on a thread of its own. It reads and writes encrypted
records, so it needs the web processes' keys; in production it refuses to start without them.

Jobs run in the worker process itself (RQ's SimpleWorker), not in a work horse forked per job:
forking cost ~50 ms a text and threw away the Twilio HTTP connection after every job. It is
safe here because this queue only carries our own short jobs (send one text, sweep), each
bounded by RQ's job timeout (SIGALRM) and the Twilio client's timeout. A worker killed mid-send
still never texts twice: the record stays "claimed", which no job can claim again, and the
sweep shows it to staff as "unknown" once the claim lease is over.
"""

from __future__ import annotations

import argparse
import logging
import sys

import redis
from rq import SimpleWorker, Worker

from checker.finishes import start_pump
from checker.services import build
from checker.settings import ProductionConfigError, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checker.sms.worker", description=__doc__)
    parser.add_argument("--burst", action="store_true",
                        help="handle waiting finish events and jobs, then exit")
    parser.add_argument("--no-scheduler", action="store_true")
    parser.add_argument("--fork", action="store_true",
                        help="run each job in a forked work horse (RQ's default; slower)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ProductionConfigError as exc:
        print(f"The SMS worker will not start: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # No short socket timeout here: RQ blocks on BLPOP and sets its own.
    client = redis.Redis.from_url(settings.redis_url, health_check_interval=30)
    services = build(settings, redis_client=client)
    sms = services.sms
    log = logging.getLogger("checker.sms")
    moved = sms.optouts.migrate()
    if moved:
        log.info("opt-out list: %d entries carried over", moved)
    log.info("SMS worker: queue %s, sender %s, jobs run %s", settings.sms.queue_name,
             sms.dispatcher.sender.name,
             "in forked work horses" if args.fork else "in this process")
    sms.dispatcher.ensure_sweep()
    if args.burst:
        services.finishes.drain()
    else:
        start_pump(services.finishes)
    # One process for every job: the installed dispatcher (and its Twilio HTTP session) is
    # reused.
    worker_class = Worker if args.fork else SimpleWorker
    worker = worker_class([sms.dispatcher.queue], connection=client)
    worker.work(burst=args.burst, with_scheduler=not args.no_scheduler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
