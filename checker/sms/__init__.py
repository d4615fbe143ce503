"""Text messages (SMS) through Twilio and an RQ job queue; never sent inside a web request.

- `service`: what people get by text (advice, reminders, staff alerts, replies) - the one
  class pages and the finish-event consumer use;
- `messages`: one record per intended text, its state machine and atomic claim;
  `optouts`, `outbox` (development), `notes` (for staff): the other things kept;
- `dispatch`: wake-up jobs at each record's `due`, sending, the sweep; `jobs`: RQ functions;
- `senders` (Twilio or the outbox), `texts` (wording), `schedule` (times), `phones`,
  `form_limits` (abuse limits of the phone forms), `worker` (`python -m checker.sms.worker`).
"""
