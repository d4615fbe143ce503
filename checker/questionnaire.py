"""The questions of questionnaire v1 and v2 as data: ids, option codes and the client's wording.

The ids, codes and order are the clinical contract (../shared/clinical-rules.md); the wording
is ours (US English, reading age about 11) and is shared by both versions wherever the
meaning did not change. Wording is marked with `N_` for the message catalog and stays English
here; pages translate it when they show it. Branching lives in `checker.branching`, the
rules in `checker.rules`, and `checker.versions` bundles one version of each.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from checker.catalog import N_


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


_SELECT_ALL = N_("Select all that apply.")
_YES = Option("yes", N_("Yes"))
_NO = Option("no", N_("No"))
_NOT_SURE = Option("not_sure", N_("I'm not sure"))

V1_QUESTIONS: tuple[Question, ...] = (
    _checkbox(
        "emergency_now",
        N_("Symptoms now or in the last 24 hours"),
        N_("Right now, or in the last 24 hours, have you had any of these?"),
        _SELECT_ALL,
        Option("breathless", N_("Sudden shortness of breath, or struggling to breathe"),
               N_("Not your usual breathing.")),
        Option("chest_pain", N_("New pain in your chest or upper back"),
               N_("Especially if it is worse when you breathe in or cough.")),
        Option("coughing_blood", N_("Coughing up blood")),
        Option("fainted", N_("Fainting, passing out, or nearly fainting")),
        Option("racing_heart", N_("A racing, pounding or uneven heartbeat while resting"),
               N_("Not what is usual for you.")),
        Option("limb_crisis", N_("A leg that suddenly became very swollen, blue or purple, "
               "and very painful — or a leg or foot that is cold, pale, numb or weak")),
        Option("head_injury_on_blood_thinner",
               N_("A head injury or a sudden, very bad headache while taking a blood thinner")),
        Option("none", N_("No, I have had none of these"), exclusive=True),
    ),
    _radio(
        "emergency_recent",
        N_("Symptoms in the last 14 days"),
        N_("In the last 14 days (before today), did you have any of those symptoms "
        "without a doctor checking you?"),
        N_("Sudden shortness of breath, chest or upper-back pain, coughing up blood, fainting "
        "or nearly fainting, a racing or pounding heartbeat, a leg that suddenly became very "
        "swollen and blue, or cold, pale, numb or weak, or a head injury or a sudden, very bad "
        "headache while taking a blood thinner."),
        _YES, _NO, _NOT_SURE,
    ),
    _checkbox(
        "limb_symptoms",
        N_("Leg or arm symptoms"),
        N_("Now, or in the last 14 days, have you noticed any of these in a leg?"),
        _SELECT_ALL,
        Option("pain", N_("Pain, aching, tenderness, throbbing or cramp-like pain"),
               N_("In the calf, behind the knee or in the thigh.")),
        Option("swelling", N_("Swelling"),
               N_("In the calf, the ankle or the whole leg, or one leg looking bigger.")),
        Option("warmth", N_("Skin that feels warm")),
        Option("discoloured", N_("Skin that looks red, purple, bluish or darker"),
               N_("This can be harder to see on brown or black skin.")),
        Option("hard_vein", N_("A swollen, hard or sore vein"),
               N_("Or a red, hard line along a vein.")),
        Option("arm", N_("Any of these in one arm, shoulder or side of the neck")),
        Option("not_sure", N_("I'm not sure"), exclusive=True),
        Option("none", N_("No, I have noticed none of these"), exclusive=True),
    ),
    _radio(
        "limb_side",
        N_("Which leg"),
        N_("Is it in one leg or both legs?"),
        None,
        Option("one", N_("One leg, or one leg is clearly worse")),
        Option("both", N_("Both legs, about the same")),
        _NOT_SURE,
    ),
    _radio(
        "pain_kind",
        N_("Kind of leg pain"),
        N_("Which of these best describes the pain?"),
        None,
        Option("cramp_gone", N_("A cramp that went away completely within minutes"),
               N_("Nothing is left now.")),
        Option("exercise_soreness", N_("Muscle soreness after exercise"),
               N_("The same in both legs, and easing each day.")),
        Option("other", N_("Something else, or I'm not sure")),
    ),
    _radio(
        "limb_context",
        N_("What a doctor knows about it"),
        N_("Which of these is true about it?"),
        N_("Choose the first one that fits."),
        Option("doctor_checked", N_("A doctor checked it for a clot in the last 7 days"),
               N_("No clot was found, or I am waiting for a scan. It is no worse, "
               "and nothing new has started.")),
        Option("known_clot", N_("It was there when my current clot or vein inflammation "
               "(phlebitis) was diagnosed"), N_("It is no worse, and nothing new has started.")),
        Option("long_term", N_("It is a long-term condition a doctor diagnosed"),
               N_("For example post-thrombotic syndrome, lymphedema or venous insufficiency. "
               "It has been there 3 months or more and has not changed in the last 14 days.")),
        Option("after_surgery", N_("It is only the expected puffiness or soreness around a joint "
               "operated on in the last 12 weeks"),
               N_("My surgical team knows, it is getting better, and there is nothing in the "
               "calf or ankle.")),
        Option("none_of_these", N_("None of these")),
    ),
    _radio(
        "limb_letter",
        N_("Doctor's letter about the limb"),
        N_("Do you have a letter from a doctor or clinic about that limb?"),
        None,
        Option("mld", N_("Yes, it recommends manual lymphatic drainage"),
               N_("A very light massage that helps move fluid.")),
        Option("massage_ok", N_("Yes, it says massage is OK")),
        Option("no", N_("No letter")),
    ),
    _radio(
        "swelling_course",
        N_("Swelling in both legs"),
        N_("How long have you had the swelling in both legs?"),
        None,
        Option("new", N_("It is new, or it got worse in the last 14 days")),
        Option("long_term", N_("It is long-standing and the same on both sides"),
               N_("My doctor or midwife knows the cause.")),
        _NOT_SURE,
    ),
    _radio(
        "clot_history",
        N_("Past blood clots"),
        N_("Has a doctor ever found a blood clot in your leg, arm or lung?"),
        N_("This is called a deep vein thrombosis (DVT) or a pulmonary embolism (PE)."),
        Option("being_checked", N_("I am waiting for a scan or results for a possible clot")),
        _YES, _NO, _NOT_SURE,
    ),
    _radio(
        "clot_when",
        N_("When the clot was found"),
        N_("When was the clot found?"),
        N_("If you have had more than one, think of the most recent."),
        Option("under_3_months", N_("Less than 3 months ago")),
        Option("3_to_12_months", N_("3 to 12 months ago")),
        Option("over_12_months", N_("More than 12 months ago")),
        _NOT_SURE,
    ),
    _radio(
        "clot_clearance",
        N_("Doctor's clearance for massage"),
        N_("Do you have written clearance from a doctor, dated after the clot, "
        "saying massage is OK?"),
        None,
        _YES, _NO, _NOT_SURE,
    ),
    _radio(
        "lasting_symptoms",
        N_("Lasting symptoms since the clot"),
        N_("Since the clot, have you had lasting symptoms in that limb?"),
        N_("Swelling, heaviness or aching, or skin changes such as brown staining, "
        "hardening, itching or an ulcer."),
        _YES, _NO, _NOT_SURE,
    ),
    _radio(
        "mld_recommended",
        N_("Manual lymphatic drainage"),
        N_("Has your doctor recommended manual lymphatic drainage for it?"),
        N_("A very light massage that helps move fluid."),
        _YES, _NO,
    ),
    _checkbox(
        "vein_conditions",
        N_("Vein conditions"),
        N_("Do you have any of these vein conditions?"),
        _SELECT_ALL,
        Option("phlebitis_recent", N_("Inflamed vein (superficial thrombophlebitis) "
               "diagnosed in the last 3 months")),
        Option("phlebitis_past", N_("Inflamed vein (superficial thrombophlebitis) "
               "more than 3 months ago, now settled")),
        Option("varicose", N_("Varicose veins")),
        Option("none", N_("No, none of these"), exclusive=True),
    ),
    _checkbox(
        "medicines",
        N_("Medicines"),
        N_("Do you take any of these medicines?"),
        _SELECT_ALL,
        Option("anticoagulant", N_("A blood thinner (anticoagulant)"),
               N_("Warfarin (Coumadin, Jantoven), acenocoumarol (Sintrom), apixaban (Eliquis), "
               "rivaroxaban (Xarelto), edoxaban (Savaysa, Lixiana), dabigatran (Pradaxa), or "
               "injections of heparin, enoxaparin (Lovenox), dalteparin (Fragmin), tinzaparin "
               "(Innohep) or fondaparinux (Arixtra).")),
        Option("antiplatelet", N_("One of these: aspirin, clopidogrel (Plavix), "
               "ticagrelor (Brilinta) or prasugrel (Effient)")),
        Option("antiplatelet_two", N_("Two or more of those: aspirin, clopidogrel, "
               "ticagrelor, prasugrel")),
        Option("hormones", N_("Hormones"),
               N_("A pill, patch or ring with estrogen, hormone replacement therapy (HRT), "
               "tamoxifen, raloxifene or testosterone.")),
        Option("none", N_("No, none of these"), exclusive=True),
    ),
    _radio(
        "bleeding_signs",
        N_("Signs of bleeding"),
        N_("Recently, have you had any signs of bleeding?"),
        N_("Large bruises you can't explain, blood in your pee or poop, black poop, throwing up "
        "blood or something that looks like coffee grounds, a nosebleed lasting more than "
        "10 minutes or other bleeding that will not stop, much heavier periods than usual, "
        "or a sudden, very bad headache or back pain."),
        _YES, _NO, _NOT_SURE,
    ),
    _checkbox(
        "recent_events",
        N_("Recent events"),
        N_("Has any of these happened to you recently?"),
        _SELECT_ALL,
        Option("surgery", N_("An operation in the last 12 weeks"),
               N_("With a general, spinal or epidural anesthetic: you were put to sleep, or "
               "numbed from the waist down.")),
        Option("hospital_or_bed_rest", N_("A hospital stay, or 3 or more days mostly in bed, "
               "in the last 12 weeks")),
        Option("leg_immobilised", N_("A leg in a cast, boot or brace, or a broken leg, hip "
               "or pelvis, in the last 12 weeks")),
        Option("major_injury", N_("A major injury in the last 12 weeks")),
        Option("pregnancy", N_("Pregnant now, or gave birth or a pregnancy ended "
               "in the last 6 weeks")),
        Option("long_journey", N_("Sat for 3 hours or more in a plane, car or train "
               "in the last 8 weeks")),
        Option("covid", N_("COVID-19 in the last 3 months")),
        Option("none", N_("No, none of these"), exclusive=True),
    ),
    _radio(
        "pregnancy_warning",
        N_("Pregnancy warning signs"),
        N_("Do you have any of these right now?"),
        N_("Sudden swelling of your face, hands or feet, a very bad headache, problems "
        "with your vision, bad pain just below your ribs, or throwing up (vomiting)."),
        _YES, _NO, _NOT_SURE,
    ),
    _checkbox(
        "long_term_factors",
        N_("Other health factors"),
        N_("Do any of these apply to you?"),
        _SELECT_ALL,
        Option("cancer", N_("Cancer now, or cancer treatment in the last 6 months")),
        Option("clotting_disorder", N_("A blood clotting disorder"),
               N_("Such as factor V Leiden or antiphospholipid syndrome.")),
        Option("paralysis", N_("A paralyzed or very weak leg")),
        Option("age_60_plus", N_("Aged 60 or over")),
        Option("obesity", N_("A body mass index (BMI) of 30 or more")),
        Option("smoker", N_("I smoke")),
        Option("family_history", N_("A parent, brother, sister or child has had a blood clot")),
        Option("chronic_condition", N_("A long-term illness"),
               N_("Heart failure, inflammatory bowel disease, an autoimmune disease "
               "or kidney disease.")),
        Option("none", N_("No, none of these"), exclusive=True),
    ),
)


# -- Questionnaire v2: v1's questions with these changes ---------------------------------

def _with_options(base: Question, *changes: Option) -> Question:
    """`base` with each option of the same code replaced; new options go before `none`."""
    by_code = {option.code: option for option in changes}
    kept = [by_code.pop(option.code, option) for option in base.options]
    at = next((i for i, o in enumerate(kept) if o.code == "none"), len(kept))
    return replace(base, options=(*kept[:at], *by_code.values(), *kept[at:]))


def _revised(base: tuple[Question, ...], *changes: Question,
             after: dict[str, Question]) -> tuple[Question, ...]:
    """`base` with each question of the same id replaced, and new ones after an id."""
    by_id = {q.id: q for q in changes}
    revised: list[Question] = []
    for q in base:
        revised.append(by_id.get(q.id, q))
        if q.id in after:
            revised.append(after[q.id])
    return tuple(revised)


_SYMPTOM_SIDE = _radio(
    "symptom_side",
    N_("Side of the symptoms"),
    N_("Which side of your body are the symptoms on?"),
    N_("If it is on both sides, for example in your left leg and your right arm, "
       "choose “I'm not sure”."),
    Option("left", N_("Left")),
    Option("right", N_("Right")),
    _NOT_SURE,
)
_CLOT_SIDE = _checkbox(
    "clot_side",
    N_("Where the clot or vein problem was"),
    N_("Where was the blood clot or the inflamed vein?"),
    _SELECT_ALL,
    Option("left_leg", N_("Left leg")),
    Option("right_leg", N_("Right leg")),
    Option("arm", N_("An arm")),
    Option("lung", N_("A lung")),
    Option("not_sure", N_("I'm not sure"), exclusive=True),
)

_V1 = {q.id: q for q in V1_QUESTIONS}
V2_QUESTIONS: tuple[Question, ...] = _revised(
    V1_QUESTIONS,
    _with_options(
        _V1["recent_events"],
        Option("covid", N_("COVID-19 in the last 6 months")),
        Option("minor_procedure", N_("A smaller operation or procedure in the last 12 weeks"),
               N_("For example a vein procedure or a keyhole (arthroscopy) operation, or any "
                  "other operation without a general, spinal or epidural anesthetic.")),
        Option("heart_or_stroke", N_("A heart attack or a stroke, or a hospital stay for "
               "heart failure, in the last 3 months")),
        Option("infection", N_("An infection in the last 4 weeks treated with antibiotics "
               "or in the hospital"),
               N_("For example pneumonia, a kidney or bladder infection, or sepsis.")),
        Option("fertility_treatment", N_("IVF or egg collection in the last 3 months")),
    ),
    _with_options(
        _V1["long_term_factors"],
        Option("central_line", N_("A central line, PICC line or port now"),
               N_("A thin tube in a large vein, for medicines or treatment.")),
    ),
    after={"limb_side": _SYMPTOM_SIDE, "vein_conditions": _CLOT_SIDE},
)

# The current questionnaire's questions, for tools and tests. A stored screening is walked
# with its own version's questions: `checker.versions.questionnaire_for(version)`.
QUESTIONS = V2_QUESTIONS
QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS)
_BY_ID = {q.id: q for q in QUESTIONS}


def question(qid: str) -> Question:
    """The current questionnaire's question with this id; KeyError when there is none."""
    return _BY_ID[qid]
