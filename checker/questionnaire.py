"""Questionnaire v1 as data: ids, option codes and the client's wording.

The ids, codes and order are the clinical contract (../shared/clinical-rules.md);
the wording is ours. Branching (which questions are asked) lives in
`checker.flow`, next to the rules that share its definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

VERSION = "1"


class Kind(StrEnum):
    RADIO = "radio"
    CHECKBOX = "checkbox"


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    hint: str | None = None
    exclusive: bool = False  # checkbox `none` / `not_sure`: cannot be ticked with others


@dataclass(frozen=True)
class Question:
    id: str
    kind: Kind
    title: str  # short, unique: page title and check-answers label
    text: str  # the question itself, shown as the page's only heading
    hint: str | None
    options: tuple[Option, ...]

    def option(self, code: str) -> Option:
        for option in self.options:
            if option.code == code:
                return option
        raise KeyError(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)


def _radio(qid: str, title: str, text: str, hint: str | None, *options: Option) -> Question:
    return Question(qid, Kind.RADIO, title, text, hint, options)


def _checkbox(qid: str, title: str, text: str, hint: str | None, *options: Option) -> Question:
    return Question(qid, Kind.CHECKBOX, title, text, hint, options)


_YES = Option("yes", "Yes")
_NO = Option("no", "No")
_NOT_SURE = Option("not_sure", "I'm not sure")

QUESTIONS: tuple[Question, ...] = (
    _checkbox(
        "emergency_now",
        "Symptoms now or in the last 24 hours",
        "Right now, or in the last 24 hours, have you had any of these?",
        "Tick all that apply.",
        Option("breathless", "Sudden shortness of breath, or struggling to breathe",
               "Not your usual breathing."),
        Option("chest_pain", "New pain in your chest or upper back",
               "Especially if it is worse when you breathe in or cough."),
        Option("coughing_blood", "Coughing up blood"),
        Option("fainted", "Fainting, passing out, or nearly fainting"),
        Option("racing_heart", "A racing, pounding or uneven heartbeat while resting",
               "Not what is usual for you."),
        Option("limb_crisis", "A leg that suddenly became very swollen, blue or purple, "
               "and very painful — or a leg or foot that is cold, pale, numb or weak"),
        Option("head_injury_on_blood_thinner",
               "A head injury or a sudden, very bad headache while taking a blood thinner"),
        Option("none", "No, I have had none of these", exclusive=True),
    ),
    _radio(
        "emergency_recent",
        "Symptoms in the last 14 days",
        "In the last 14 days (before today), did you have any of those symptoms "
        "without a doctor checking you?",
        "Shortness of breath, chest or upper-back pain, coughing up blood, fainting, "
        "a racing heartbeat, or a very swollen, cold or numb leg.",
        _YES, _NO, _NOT_SURE,
    ),
    _checkbox(
        "limb_symptoms",
        "Leg or arm symptoms",
        "Now, or in the last 14 days, have you noticed any of these in a leg?",
        "Tick all that apply.",
        Option("pain", "Pain, aching, tenderness, throbbing or cramp-like pain",
               "In the calf, behind the knee or in the thigh."),
        Option("swelling", "Swelling",
               "In the calf, the ankle or the whole leg, or one leg looking bigger."),
        Option("warmth", "Skin that feels warm"),
        Option("discoloured", "Skin that looks red, purple, bluish or darker",
               "This can be harder to see on brown or black skin."),
        Option("hard_vein", "A swollen, hard or sore vein",
               "Or a red, hard line along a vein."),
        Option("arm", "Any of these in one arm, shoulder or side of the neck"),
        Option("not_sure", "I'm not sure", exclusive=True),
        Option("none", "No, I have noticed none of these", exclusive=True),
    ),
    _radio(
        "limb_side",
        "Which leg",
        "Is it in one leg or both legs?",
        None,
        Option("one", "One leg, or one leg is clearly worse"),
        Option("both", "Both legs, about the same"),
        _NOT_SURE,
    ),
    _radio(
        "pain_kind",
        "Kind of leg pain",
        "Which of these best describes the pain?",
        None,
        Option("cramp_gone", "A cramp that went away completely within minutes",
               "Nothing is left now."),
        Option("exercise_soreness", "Muscle soreness after exercise",
               "The same in both legs, and easing each day."),
        Option("other", "Something else, or I'm not sure"),
    ),
    _radio(
        "limb_context",
        "What a doctor knows about it",
        "Which of these is true about it?",
        "Choose the first one that fits.",
        Option("doctor_checked", "A doctor checked it for a clot in the last 7 days",
               "No clot was found, or I am waiting for a scan. It is no worse, "
               "and nothing new has started."),
        Option("known_clot", "It was there when my current clot or vein inflammation "
               "(phlebitis) was diagnosed", "It is no worse, and nothing new has started."),
        Option("long_term", "It is a long-term condition a doctor diagnosed",
               "For example post-thrombotic syndrome, lymphoedema or venous insufficiency. "
               "It has been there 3 months or more and has not changed in the last 14 days."),
        Option("after_surgery", "It is only the expected puffiness or soreness around a joint "
               "operated on in the last 12 weeks",
               "My surgical team knows, it is getting better, and there is nothing in the "
               "calf or ankle."),
        Option("none_of_these", "None of these"),
    ),
    _radio(
        "limb_letter",
        "Doctor's letter about the limb",
        "Do you have a letter from a doctor or clinic about that limb?",
        None,
        Option("mld", "Yes, it recommends manual lymphatic drainage",
               "A very light massage that helps move fluid."),
        Option("massage_ok", "Yes, it says massage is OK"),
        Option("no", "No letter"),
    ),
    _radio(
        "swelling_course",
        "Swelling in both legs",
        "How long have you had the swelling in both legs?",
        None,
        Option("new", "It is new, or it got worse in the last 14 days"),
        Option("long_term", "It is long-standing and the same on both sides",
               "My doctor or midwife knows the cause."),
        _NOT_SURE,
    ),
    _radio(
        "clot_history",
        "Past blood clots",
        "Has a doctor ever found a blood clot in your leg, arm or lung?",
        "This is called a deep vein thrombosis (DVT) or a pulmonary embolism (PE).",
        Option("being_checked", "I am waiting for a scan or results for a possible clot"),
        _YES, _NO, _NOT_SURE,
    ),
    _radio(
        "clot_when",
        "When the clot was found",
        "When was the clot found?",
        "If you have had more than one, think of the most recent.",
        Option("under_3_months", "Less than 3 months ago"),
        Option("3_to_12_months", "3 to 12 months ago"),
        Option("over_12_months", "More than 12 months ago"),
        _NOT_SURE,
    ),
    _radio(
        "clot_clearance",
        "Doctor's clearance for massage",
        "Do you have written clearance from a doctor, dated after the clot, "
        "saying massage is OK?",
        None,
        _YES, _NO, _NOT_SURE,
    ),
    _radio(
        "lasting_symptoms",
        "Lasting symptoms since the clot",
        "Since the clot, have you had lasting symptoms in that limb?",
        "Swelling, heaviness or aching, or skin changes such as brown staining, "
        "hardening, itching or an ulcer.",
        _YES, _NO, _NOT_SURE,
    ),
    _radio(
        "mld_recommended",
        "Manual lymphatic drainage",
        "Has your doctor recommended manual lymphatic drainage for it?",
        "A very light massage that helps move fluid.",
        _YES, _NO,
    ),
    _checkbox(
        "vein_conditions",
        "Vein conditions",
        "Do you have any of these vein conditions?",
        "Tick all that apply.",
        Option("phlebitis_recent", "Inflamed vein (superficial thrombophlebitis) "
               "diagnosed in the last 3 months"),
        Option("phlebitis_past", "Inflamed vein (superficial thrombophlebitis) "
               "more than 3 months ago, now settled"),
        Option("varicose", "Varicose veins"),
        Option("none", "No, none of these", exclusive=True),
    ),
    _checkbox(
        "medicines",
        "Medicines",
        "Do you take any of these medicines?",
        "Tick all that apply.",
        Option("anticoagulant", "A blood thinner (anticoagulant)",
               "Warfarin (Coumadin), apixaban (Eliquis), rivaroxaban (Xarelto), edoxaban "
               "(Savaysa, Lixiana), dabigatran (Pradaxa), or heparin, enoxaparin (Lovenox) "
               "or dalteparin (Fragmin) injections."),
        Option("antiplatelet", "One of these: aspirin, clopidogrel (Plavix), "
               "ticagrelor (Brilinta) or prasugrel (Effient)"),
        Option("antiplatelet_two", "Two or more of those: aspirin, clopidogrel, "
               "ticagrelor, prasugrel"),
        Option("hormones", "Hormones",
               "A pill, patch or ring with oestrogen, HRT, tamoxifen, raloxifene "
               "or testosterone."),
        Option("none", "No, none of these", exclusive=True),
    ),
    _radio(
        "bleeding_signs",
        "Signs of bleeding",
        "Recently, have you had any signs of bleeding?",
        "Large bruises you can't explain, blood in your pee or poo, black poo, "
        "or a nosebleed lasting more than 10 minutes.",
        _YES, _NO, _NOT_SURE,
    ),
    _checkbox(
        "recent_events",
        "Recent events",
        "Has any of these happened to you recently?",
        "Tick all that apply.",
        Option("surgery", "An operation in the last 12 weeks",
               "With a general, spinal or epidural anaesthetic."),
        Option("hospital_or_bed_rest", "A hospital stay, or 3 or more days mostly in bed, "
               "in the last 12 weeks"),
        Option("leg_immobilised", "A leg in a cast, boot or brace, or a broken leg, hip "
               "or pelvis, in the last 12 weeks"),
        Option("major_injury", "A major injury in the last 12 weeks"),
        Option("pregnancy", "Pregnant now, or gave birth or a pregnancy ended "
               "in the last 6 weeks"),
        Option("long_journey", "Sat for 3 hours or more in a plane, car or train "
               "in the last 8 weeks"),
        Option("covid", "COVID-19 in the last 3 months"),
        Option("none", "No, none of these", exclusive=True),
    ),
    _radio(
        "pregnancy_warning",
        "Pregnancy warning signs",
        "Do you have any of these right now?",
        "Sudden swelling of your face, hands or feet, a very bad headache, problems "
        "with your vision, bad pain just below your ribs, or being sick (vomiting).",
        _YES, _NO, _NOT_SURE,
    ),
    _checkbox(
        "long_term_factors",
        "Other health factors",
        "Do any of these apply to you?",
        "Tick all that apply.",
        Option("cancer", "Cancer now, or cancer treatment in the last 6 months"),
        Option("clotting_disorder", "A blood clotting disorder",
               "Such as factor V Leiden or antiphospholipid syndrome."),
        Option("paralysis", "A paralysed or very weak leg"),
        Option("age_60_plus", "Aged 60 or over"),
        Option("obesity", "A body mass index (BMI) of 30 or more"),
        Option("smoker", "I smoke"),
        Option("family_history", "A parent, brother, sister or child has had a blood clot"),
        Option("chronic_condition", "A long-term illness",
               "Heart failure, inflammatory bowel disease, an autoimmune disease "
               "or kidney disease."),
        Option("none", "No, none of these", exclusive=True),
    ),
)

_BY_ID = {q.id: q for q in QUESTIONS}
QUESTION_IDS: tuple[str, ...] = tuple(_BY_ID)


def question(qid: str) -> Question:
    """The question with this id; KeyError when there is none."""
    return _BY_ID[qid]
