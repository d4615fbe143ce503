"""Words for people: therapist instructions per flag and a title per level."""

from __future__ import annotations

from checker.outcome import Level

# The therapist's words for each flag (shown on the outcome page and the board).
FLAG_TEXT: dict[str, str] = {
    "mld_only_affected_limb": "Affected limb: only light manual lymphatic drainage, as the "
    "doctor recommended, directed away from the original clot site.",
    "no_deep_affected_limb": "No deep pressure on the affected limb.",
    "follow_clearance_limits": "Follow any limits written in the doctor's clearance.",
    "bring_written_clearance": "Needs written clearance from a doctor; keep a copy on file.",
    "no_leg_massage_without_surgeon_clearance": "No massage on the operated leg without the "
    "surgeon's clearance.",
    "no_leg_massage_without_clearance": "No leg massage without a doctor's clearance.",
    "light_pressure": "Light pressure only.",
    "no_deep_legs": "No deep pressure on the legs.",
    "no_mld_without_clearance": "No lymphatic drainage without a doctor's clearance.",
    "no_massage_affected_limb": "No massage on the affected limb.",
    "no_deep_over_affected_vein": "No deep pressure over the affected vein.",
    "no_direct_pressure_varicose": "No direct pressure on varicose veins.",
    "no_deep_tissue": "No deep-tissue work.",
    "no_cupping_scraping_percussion_heat": "No cupping, scraping, percussion or heat.",
    "check_bruising": "Check for bruising before and after; use gentle pressure.",
    "oncology_protocol": "Follow the oncology massage protocol.",
    "pregnancy_protocol": "Follow the pregnancy massage protocol.",
}

# Short titles for the client's outcome page and the staff badge.
LEVEL_TITLE: dict[Level, str] = {
    Level.EMERGENCY: "Call the emergency number now",
    Level.URGENT: "No massage today: get medical help today",
    Level.DEFER: "We can't massage you yet",
    Level.MODIFIED: "Massage can go ahead, with some changes",
    Level.PROCEED: "Massage can go ahead",
}

# Every outcome carries this instruction for the therapist (clinical rules).
THERAPIST_INSTRUCTION = (
    "If signs of a clot appear during a session, stop all pressure and movement on the "
    "area and refer the client for medical help."
)
