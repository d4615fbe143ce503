"""Words for people: therapist instructions per flag and a title per level.

English here, marked with `N_` for the catalog; client pages translate them when shown.
"""

from __future__ import annotations

from checker.catalog import N_
from checker.outcome import Level

# The therapist's words for each flag (shown on the outcome page and the board).
FLAG_TEXT: dict[str, str] = {
    "mld_only_affected_limb": N_("Affected limb: only light manual lymphatic drainage, as the "
    "doctor recommended, directed away from the original clot site."),
    "no_deep_affected_limb": N_("No deep pressure on the affected limb."),
    "follow_clearance_limits": N_("Follow any limits written in the doctor's clearance."),
    "bring_written_clearance": N_("Needs written clearance from a doctor; keep a copy on file."),
    "no_leg_massage_without_surgeon_clearance": N_("No massage on the operated leg without the "
    "surgeon's clearance."),
    "no_leg_massage_without_clearance": N_("No leg massage without a doctor's clearance."),
    "light_pressure": N_("Light pressure only."),
    "no_deep_legs": N_("No deep pressure on the legs."),
    "no_mld_without_clearance": N_("No lymphatic drainage without a doctor's clearance."),
    "no_massage_affected_limb": N_("No massage on the affected limb."),
    "no_deep_over_affected_vein": N_("No deep pressure over the affected vein."),
    "no_direct_pressure_varicose": N_("No direct pressure on varicose veins."),
    "no_deep_tissue": N_("No deep-tissue work."),
    "no_cupping_scraping_percussion_heat": N_("No cupping, scraping, percussion or heat."),
    "check_bruising": N_("Check for bruising before and after; use gentle pressure."),
    "oncology_protocol": N_("Follow the oncology massage protocol."),
    "pregnancy_protocol": N_("Follow the pregnancy massage protocol."),
}

# Short titles for the client's outcome page and the staff badge.
LEVEL_TITLE: dict[Level, str] = {
    Level.EMERGENCY: N_("Call the emergency number now"),
    Level.URGENT: N_("No massage today: get medical help today"),
    Level.DEFER: N_("We can't massage you yet"),
    Level.MODIFIED: N_("Massage can go ahead, with some changes"),
    Level.PROCEED: N_("Massage can go ahead"),
}

# Every outcome carries this instruction for the therapist (clinical rules).
THERAPIST_INSTRUCTION = (
    N_("If signs of a clot appear during a session, stop all pressure and movement on the "
    "area and refer the client for medical help.")
)
