"""`python -m checker.sms.worker`: the RQ worker (with the scheduler) for the SMS queue.

Same as `rq worker --with-scheduler --url $REDIS_URL <prefix>sms`, plus: it checks the Twilio
settings at start-up and schedules the periodic sweep. Works with the embedded Redis's
`unix://` URL that `checker.serve` exports. It reads and writes encrypted records, so it needs
the web processes' ENCRYPTION_KEYS and PHONE_TAG_KEY (or SECRET_KEY) in its environment
(checker.sms.keys); in production it refuses to start without them.

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
import os
import sys

import redis
from rq import SimpleWorker, Worker

from checker.crypto import CryptoError
from checker.sms.core import SmsCore, install
from checker.sms.keys import key_settings, sms_keys
from checker.sms.settings import SmsSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checker.sms.worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    parser.add_argument("--no-scheduler", action="store_true")
    parser.add_argument("--fork", action="store_true",
                        help="run each job in a forked work horse (RQ's default; slower)")
    args = parser.parse_args(argv)
    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set (checker.serve sets it for the embedded Redis)",
              file=sys.stderr)
        return 2
    try:
        crypto, tagger = sms_keys(key_settings({}))
    except CryptoError as exc:
        print(f"The SMS worker will not start: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # No short socket timeout here: RQ blocks on BLPOP and sets its own.
    client = redis.Redis.from_url(url, health_check_interval=30)
    settings = SmsSettings.from_config({})
    core = SmsCore(client, settings, crypto=crypto, tagger=tagger)
    install(core)
    moved = core.store.migrate_opt_outs()
    if moved:
        logging.getLogger("checker.sms").info("opt-out list: %d entries carried over", moved)
    logging.getLogger("checker.sms").info(
        "SMS worker: queue %s, sender %s, jobs run %s", settings.queue_name, core.sender.name,
        "in forked work horses" if args.fork else "in this process")
    core.ensure_sweep()
    # One process for every job: the installed core (and its Twilio HTTP session) is reused.
    worker_class = Worker if args.fork else SimpleWorker
    worker = worker_class([core.queue], connection=client)
    worker.work(burst=args.burst, with_scheduler=not args.no_scheduler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
