"""Text messages (SMS): records with a state machine, senders, RQ jobs and the sweep.

The web request only writes a message record and enqueues a job; an RQ worker
(`python -m checker.sms.worker`) claims the record atomically and sends it through Twilio or,
without credentials, into the development outbox. See `checker.sms.service` for what each
kind of text is and `checker.sms.records` for the state machine.
"""

from checker.sms.records import Message, MessageStore, State
from checker.sms.settings import SmsSettings

__all__ = ["Message", "MessageStore", "SmsSettings", "State"]
