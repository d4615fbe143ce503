"""Staff messages page and the board's Texts column, on the real SMS work (outbox sender)."""

from __future__ import annotations

import re

from flows import URGENT
from sms_support import run_worker
from staff_support import csrf_token, sign_in


def test_messages_reminders_and_cancel(sms_app) -> None:
    client = sms_app.test_client()
    url = client.post("/start", data={"loc": "main",
                                      "csrf_token": csrf_token(client)}).headers["Location"]
    while not url.endswith("/outcome"):
        qid = url.rsplit("/", 1)[1]
        url = client.post(url, data={qid: URGENT[qid]}).headers["Location"]
    sid = re.search(r"/s/([^/]+)/", url).group(1)
    response = client.post(f"/s/{sid}/text-advice", data={
        "phone": "(202) 555-0143", "consent": "yes", "next_day": "yes"})
    assert response.status_code == 303
    run_worker(sms_app)

    staff = sms_app.test_client()
    sign_in(staff, sms_app)
    page = staff.get("/staff/messages").get_data(as_text=True)
    assert "Reminders waiting to be sent" in page and "2031-06-11 10:00" in page
    assert "+1 ••• ••• 0143" in page and "+12025550143" not in page  # masked
    assert "Development outbox" in page
    board = staff.get("/staff/board/main").get_data(as_text=True)
    assert "Texts" in board and "scheduled" in board

    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = staff.post("/staff/reminders/cancel", data={"csrf_token": token, "key": key})
    assert response.status_code == 303
    assert "No reminders are waiting." in staff.get("/staff/messages").get_data(as_text=True)
    again = staff.post("/staff/reminders/cancel", data={"csrf_token": token, "key": key})
    assert again.status_code == 409
