"""The composition root: builds every part of the product once, from the Settings.

`build(settings)` is called by `create_app` (the web app and the `flask` commands) and by the
SMS worker, so both run on the same parts wired the same way:

    Settings ─> Redis client, keys (Crypto, Tagger), locations
             ─> ScreeningStore ─> ScreeningService (start, answer, finish)
             ─> FinishLog (the finish-event stream) with its consumers:
                    "checkins" -> CheckinRecorder (CheckinBook)
                    "alerts"   -> SmsService.on_screening_finished
             ─> StaffAccounts, SmsService (Dispatcher, stores, FormLimits)

A new consumer of finished screenings (an outcome history, a booking-system callback) is one
more `finishes.add_consumer(name, handler)` line here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

from checker.checkins import CheckinBook, CheckinRecorder
from checker.crypto import Crypto, Tagger, crypto_from, tagger_from
from checker.finishes import FinishLog
from checker.locations import Locations, load_locations
from checker.redis_conn import connect
from checker.screenings import ScreeningService
from checker.settings import Settings
from checker.sms import jobs
from checker.sms.dispatch import Dispatcher
from checker.sms.form_limits import FormLimits
from checker.sms.messages import MessageStore
from checker.sms.notes import ClearanceNotes
from checker.sms.optouts import OptOuts
from checker.sms.outbox import Outbox
from checker.sms.schedule import Clock, utc_now
from checker.sms.senders import Sender, build_sender
from checker.sms.service import SmsService
from checker.staff import StaffAccounts
from checker.store import ScreeningStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    redis: redis.Redis
    crypto: Crypto
    tagger: Tagger
    locations: Locations
    store: ScreeningStore
    screenings: ScreeningService
    finishes: FinishLog
    checkins: CheckinBook
    staff: StaffAccounts
    sms: SmsService


def keys(settings: Settings) -> tuple[Crypto, Tagger]:
    """Encryption at rest and the phone-number tagger, as every process must have them."""
    return (crypto_from(settings.encryption_keys, settings.secret_key),
            tagger_from(settings.phone_tag_key, settings.secret_key))


def build(settings: Settings, *, redis_client: redis.Redis | None = None,
          clock: Clock | None = None, sender: Sender | None = None) -> Services:
    """Every part, wired. `redis_client` (the worker's, without a read timeout), `clock` and
    `sender` are for the worker and tests; by default they come from the settings."""
    client = redis_client if redis_client is not None else connect(settings.redis_url)
    crypto, tagger = keys(settings)
    prefix = settings.key_prefix
    locations = _locations(settings)
    store = ScreeningStore(client, prefix, settings.screening_ttl, crypto=crypto)
    checkins = CheckinBook(client, prefix, settings.retention_days, crypto=crypto,
                           tagger=tagger)
    sms = _sms(settings, client, crypto, tagger, locations, clock or utc_now, sender)
    finishes = FinishLog(client, prefix, store.sealed, settings.retention_days)
    services = Services(settings, client, crypto, tagger, locations, store,
                        ScreeningService(store), finishes, checkins,
                        StaffAccounts(client, prefix), sms)
    _add_consumers(services)
    return services


def _sms(settings: Settings, client: redis.Redis, crypto: Crypto, tagger: Tagger,
         locations: Locations, clock: Clock, sender: Sender | None) -> SmsService:
    prefix = settings.key_prefix
    optouts = OptOuts(client, prefix, crypto, tagger)
    outbox = Outbox(client, prefix, crypto)
    dispatcher = Dispatcher(client, settings.sms, MessageStore(client, prefix, crypto, tagger),
                            optouts, sender or build_sender(settings.sms, outbox), clock)
    jobs.install(dispatcher)  # an in-process worker (tests) uses this clock and sender
    return SmsService(dispatcher, locations, outbox, ClearanceNotes(client, prefix, crypto),
                      FormLimits(client, prefix, tagger))


def _add_consumers(services: Services) -> None:
    """The consumers of finished screenings (checker.finishes), in the order they run."""
    finishes = services.finishes
    finishes.add_consumer(CheckinRecorder.name,
                          CheckinRecorder(services.checkins, services.locations))
    finishes.add_consumer("alerts", services.sms.on_screening_finished)


def _locations(settings: Settings) -> Locations:
    return load_locations({"CLOTCHECK_LOCATIONS": settings.locations_file,
                           "CLINIC_NAME": settings.clinic_name,
                           "CLINIC_TIMEZONE": settings.clinic_timezone,
                           "EMERGENCY_NUMBER": settings.emergency_number,
                           "STAFF_ALERT_NUMBERS": settings.staff_alert_numbers})
