"""Staff view of the texts: recent messages, scheduled reminders (cancel one) and the
development outbox."""

from __future__ import annotations

from flask import Response, redirect, request, url_for

from checker.sms.phones import mask
from checker.sms.service import MessageView
from checker.web.pages import services
from checker.web.staff import bp, page


def texts_by_code(slug: str) -> dict[str, list[MessageView]]:
    """Recent texts of one location keyed by check-in code, for the board's Texts column."""
    sms = services().sms
    found: dict[str, list[MessageView]] = {}
    for message in sms.messages(300):
        if message.location == slug and message.code:
            found.setdefault(message.code.replace("-", ""), []).append(message)
    return found


@bp.get("/messages")
def messages() -> Response:
    sms = services().sms
    outbox = [{**item, "to": mask(item.get("to", ""))} for item in sms.outbox(50)]
    return page("staff/messages.html", sms=sms, reminders=sms.reminders(),
                sent=sms.messages(100), outbox=outbox)


@bp.post("/reminders/cancel")
def cancel_reminder() -> Response:
    if not services().sms.cancel_reminder(request.form.get("key", "")):
        return page("staff/problem.html", 409, heading="This reminder could not be cancelled",
                    message="It may have been sent or cancelled already. Go back to the "
                     "messages page to see its state.")
    return redirect(url_for("staff.messages") + "#reminders", code=303)


