"""`python -m checker.sms.worker`: the RQ worker (with the scheduler) for the SMS queue.

Same as `rq worker --with-scheduler --url $REDIS_URL <prefix>sms`, plus: it checks the Twilio
settings at start-up and schedules the periodic sweep. Works with the embedded Redis's
`unix://` URL that `checker.serve` exports.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

import redis
from rq import Worker

from checker.sms.core import SmsCore, install
from checker.sms.settings import SmsSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checker.sms.worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    parser.add_argument("--no-scheduler", action="store_true")
    args = parser.parse_args(argv)
    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set (checker.serve sets it for the embedded Redis)",
              file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # No short socket timeout here: RQ blocks on BLPOP and sets its own.
    client = redis.Redis.from_url(url, health_check_interval=30)
    settings = SmsSettings.from_config({})
    core = SmsCore(client, settings)
    install(core)
    logging.getLogger("checker.sms").info(
        "SMS worker: queue %s, sender %s", settings.queue_name, core.sender.name)
    core.ensure_sweep()
    worker = Worker([core.queue], connection=client)
    worker.work(burst=args.burst, with_scheduler=not args.no_scheduler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
