"""Step C: predict which resource TYPES the ED will use, from the complaint (ESI counts types, not tests).

Types: labs, ecg, xray, advanced_imaging (CT/MRI/ultrasound/angiography), iv_fluids, iv_im_neb_meds, consult,
simple_procedure (laceration repair, Foley, I&D, packing: counts 1), complex_procedure (procedural sedation,
e.g. reducing a dislocation: counts 2). ECG and X-ray are counted as two separate types (a documented choice;
sources differ). Not resources: history and exam, point-of-care tests, saline lock, oral medication, tetanus,
prescription refills, simple wound care, splints/slings/crutches.

Each complaint pattern maps to the work-up a typical ED would do. Low-acuity complaints that need nothing
(URI, rash, refill, suture removal, ...) are recognised explicitly, so that an unrecognised complaint can be
treated conservatively: it is assumed to need one resource, or two when vitals are abnormal or the patient is
65 or older. A medical complaint with danger-zone vitals always gets blood work, because abnormal vitals prompt it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from triage_demo.esi import lexicon as L
from triage_demo.esi.collect import Collector
from triage_demo.esi.danger import band_for
from triage_demo.esi.text import Context, Span, Term, term
from triage_demo.esi.vitals import Reading

LABS, ECG, XRAY, IMAGING = "labs", "ecg", "xray", "advanced_imaging"
FLUIDS, MEDS, CONSULT = "iv_fluids", "iv_im_neb_meds", "consult"
SIMPLE, COMPLEX = "simple_procedure", "complex_procedure"
RESOURCE_TYPES = (LABS, ECG, XRAY, IMAGING, FLUIDS, MEDS, CONSULT, SIMPLE, COMPLEX)
LABELS = {
    LABS: "labs", ECG: "ECG", XRAY: "X-ray", IMAGING: "CT/US/MRI", FLUIDS: "IV fluids",
    MEDS: "IV/IM/nebulised meds", CONSULT: "specialty consult", SIMPLE: "simple procedure",
    COMPLEX: "complex procedure (counts 2)",
}

# --- complaint vocabulary (resource prediction only) ---------------------------------------------------------------
PALPITATIONS = term("palpitations", r"\b(?:palpitation\w*|racing heart|heart (?:is )?racing|heart (?:is )?pounding|"
                                    r"irregular heart ?beat|skipped beats|rapid heart ?beat|afib|a-fib|atrial "
                                    r"fibrillation with rvr)\b")
WHEEZE = term("wheeze", r"\b(?:wheez\w*|asthma (?:attack|exacerbation|flare)|copd (?:exacerbation|flare)|"
                        r"bronchospasm|bronchiolitis)\b")
CROUP = term("croup", r"\b(?:croup|barky cough|seal-?like cough)\b")
POSITIONAL = term("positional", r"\b(?:when (?:turning|rolling|looking up|lying down|sitting up)|rolling over|"
                                r"positional|bppv|with head movements?|turning (?:his |her |their )?head)\b")
PNEUMONIA = term("pneumonia", r"\b(?:pneumonia|productive cough|cough(?:ing)? up (?:green|yellow|sputum))\b")
FLANK = term("flank", r"\b(?:flank pain|kidney stones?|renal colic|ureteral stone|pain in (?:the |his |her )?(?:left |"
                      r"right )?flank|(?:left|right) flank)\b")
VOMIT = term("vomit", r"\b(?:vomit\w*|emesis|diarrh\w*|throwing up|gastroenteritis|stomach (?:bug|flu)|n/v|"
                      r"nausea and vomiting)\b")
DEHYDRATED = term("dehydrated", r"\b(?:(?:can't|cannot|can not|unable to|not able to) keep (?:anything|any\w*|fluids|"
                                r"food|liquids|water|it) down|dehydrat\w*|dry (?:mouth|mucous\w*|lips)|decreased (?:urine|"
                                r"urination|wet diapers)|no wet diapers?|sunken|lightheaded\w*|light-headed|dizz\w*|"
                                r"orthostatic|poor (?:oral )?intake|not drinking)\b")
CONSTIPATION = term("constipation", r"\b(?:constipat\w*|no bowel movement|hasn't pooped|hard stools?)\b")
UTI = term("uti", r"\b(?:dysuria|burning (?:on|with|when) (?:urination|urinating|peeing)|burning urination|painful "
                  r"urination|urinary (?:frequency|urgency|symptoms)|frequent urination|uti\b|urinary tract infection|"
                  r"blood in (?:the |his |her )?urine|hematuria|penile discharge|vaginal discharge|stds?\b|stis?\b|"
                  r"discharge from (?:the )?penis)\b")
RETENTION = term("retention", r"\b(?:(?:unable|can't|cannot|not able) (?:to )?(?:pass urine|urinate|void|pee)|"
                              r"urinary retention|retaining urine|(?:hasn't|has not|haven't) (?:urinated|voided|peed))\b")
TUBE = term("tube", r"\b(?:foley|(?:urinary |suprapubic )?catheter (?:came out|fell out|blocked|is blocked|not "
                    r"draining|leaking|change|replacement)|(?:g-?tube|feeding tube|peg tube) (?:came out|fell out|"
                    r"dislodged|blocked))\b")
MIGRAINE = term("migraine", r"\bmigraine\w*\b", historical=True)
NEURO_HEADACHE = term("neuro_headache", r"\b(?:new|different|worst|sudden|first|focal|numbness|weakness|vision|"
                                        r"visual|confus\w*|fever\w*|neck stiffness|stiff neck|pregnan\w*)\b")
NAUSEA = term("nausea", r"\b(?:nause\w*|vomit\w*)\b")
WEAKNESS = term("weakness", r"\b(?:weak(?:ness)?|fatigue\w*|tired\w*|malaise|not eating|poor appetite|failure to "
                            r"thrive|generally unwell|feels? unwell|not (?:him|her)self)\b")
FALL = term("fall", r"\b(?:fell|fall(?:en)?|slipped|tripped|found on the floor)\b")
BODY_PART = term("body_part", r"\b(?:ankles?|wrists?|knees?|foot|feet|hands?|fingers?|thumbs?|toes?|elbows?|"
                              r"shoulders?|arms?|forearms?|legs?|shins?|tibia|fibula|clavicle|collar ?bone|hips?|"
                              r"knuckles?|heels?|ribs?|nose|kneecap|patella|femur|thighs?|humerus|neck|back)\b",
                 negatable=False, historical=True)
INJURY_CUE = term("injury_cue", r"\b(?:fell|fall|falling|twist\w*|rolled|injur\w*|hit|punch\w*|tripped|trip|"
                                r"sprain\w*|stubbed|jammed|crush\w*|slammed|landed|trauma|kicked|struck|dropped|"
                                r"slipped|collided|tackled|caught|bent back|hyperextend\w*|dislocat\w*|deform\w*|"
                                r"fractur\w*|fx\b|foosh|broke|broken(?! (?:glass|bottle|window|mirror|plate|cup|dish))|mvc|mva|"
                                r"car accident|"
                                r"crash)\b", historical=True)
DEFORMITY = term("deformity", r"\b(?:deform\w*|dinner[- ]fork|angulat\w*|dislocat\w*|out of (?:place|socket)|popped "
                              r"out|obvious fracture)\b")
BONY = term("bony", r"\b(?:deform\w*|fractur\w*|broken bone|crush\w*|bone tenderness|tender over the bone|"
                    r"(?:can't|cannot|unable to) (?:move|bend|straighten|bear weight)|glass|metal|foreign body|bite)\b")
OSTEOPOROSIS = term("osteoporosis", r"\bosteop\w*\b", historical=True)
EYE_RED_FLAG = term("eye_red_flag", r"\b(?:blurr\w* vision|vision (?:change|loss|is blurry|decreased)|decreased vision|"
                                    r"photophobia|halos|contact lens)\b")
EYE_PAIN = term("eye_pain", r"\b(?:eye (?:pain|redness)|red,? painful eye|painful,? red eye|pain in (?:the |his |her |"
                            r"my )?(?:left |right )?eye|(?:left|right) eye (?:redness|pain)|eye redness)\b")
NO_BONY_SIGNS = term("no_bony_signs", r"\b(?:no (?:bony |point )?tenderness|full range of motion|no bony)\b",
                     negatable=False)
SWELLING = term("swelling", r"\b(?:swell\w*|swollen|deform\w*|unable to bear weight|can't bear weight)\b")
FACE_INJURY = term("face_injury", r"\b(?:(?:punched|hit|struck|kicked|elbowed|assaulted)\b[^.;]{0,30}?\b(?:face|eye|"
                                  r"orbit\w*|cheek|jaw|mouth)|(?:facial|orbital|jaw|cheek) (?:injury|trauma|swelling|"
                                  r"fracture))\b")
FACE_RED = term("face_red", r"\b(?:double vision|diplopia|malocclusion|(?:can't|cannot|unable to) open (?:his |her )?"
                            r"mouth|numb(?:ness)? (?:of|in) (?:the |his |her )?(?:cheek|lip)|jaw deformity|"
                            r"entrapment)\b")
BIG_JOINT = term("big_joint", r"\b(?:shoulders?|hips?|elbows?|wrists?|ankles?|knees?|forearms?|femur|arms?|legs?)\b",
                 negatable=False, historical=True)
HIP_FRACTURE = term("hip_fracture", r"\b(?:shortened and (?:externally )?rotated|externally rotated|leg (?:is )?"
                                    r"shortened|hip fracture|fractured hip|broken hip)\b")
LACERATION = term("laceration", r"\b(?:lacerations?|lac\b|cut (?:on|to|his|her|their|my)|\d(?:\.\d)? ?cm (?:cut|"
                                r"gash|wound|lac\w*)|gash\w*|needs? (?:stitches|sutures)|split (?:open|lip|chin)|"
                                r"cut (?:his|her|their|my) \w+ (?:on|with|while))\b")
ABSCESS = term("abscess", r"\b(?:abscess\w*|boils?|fluctuan\w*|furuncle|carbuncle|pilonidal)\b")
FOREIGN_BODY = term("foreign_body", r"\b(?:foreign body|fish ?hook|splinter(?!-free)|embedded|something in (?:his |her |my )?"
                                    r"eye|metal (?:in|into) (?:his |her )?eye|(?:bead|object|toy|pea|eraser|bean) "
                                    r"(?:in|up) (?:his |her |the )?(?:nose|ear|nostril))\b")
EPISTAXIS = term("epistaxis", r"\b(?:nose ?bleed|epistaxis|bleeding from (?:the |his |her |their )?(?:nose|"
                              r"nostril))\b")
STILL_BLEEDING = term("still_bleeding", r"\b(?:won't stop|will not stop|wont stop|not stopping|persistent|despite "
                                        r"(?:pressure|holding)|ongoing|still bleeding|actively bleeding|for \d+ "
                                        r"(?:minutes|hours))\b", negatable=False)
NAIL = term("nail", r"\b(?:ingrown (?:toe)?nail|paronychia|subungual hematoma)\b")
CELLULITIS = term("cellulitis", r"\b(?:cellulitis|spreading redness|red(?:,)? (?:hot|warm)|skin infection|"
                                r"infected (?:wound|cut|bite))\b")
CELLULITIS_SEVERE = term("cellulitis_severe", r"\b(?:despite|failed|not improving|on antibiotics|spreading|"
                                              r"streaking|diabetic)\b")
DVT = term("dvt", r"\b(?:dvt|calf (?:pain|swelling|tenderness)|(?:leg|calf) (?:pain and )?swelling|swollen,? "
                  r"(?:painful )?(?:left |right )?(?:leg|calf)|unilateral leg swelling)\b")
CHF = term("chf", r"\b(?:chf|heart failure|fluid overload|orthopnea|pnd\b|leg swelling)\b")
HYPERGLYCEMIA = term("hyperglycemia", r"\b(?:hyperglyc\w*|high (?:blood )?sugars?|sugars? (?:is |are |was )?high)\b")
MAYBE_PREGNANT = term("maybe_pregnant", r"\b(?:pregnancy test (?:pending|ordered|not done)|lmp (?:was )?(?:about )?"
                                        r"\d+ ?(?:wks?|weeks?) ago|missed (?:her )?(?:last )?period|late period)\b")
HEAVY = term("heavy", r"\b(?:heav\w*|soaking|clots?|large amount)\b")
PELVIC = term("pelvic", r"\b(?:pelvic pain|vaginal discharge|vaginal itching|lower abdominal cramping)\b")
ALLERGIC_SWELLING = term("allergic_swelling", r"\b(?:(?:lip|lips|face|facial|eyelid|eye) (?:is |are )?(?:swelling|"
                                              r"swollen)|swelling of (?:the |her |his )?(?:lips?|face|eyelids?))\b")
PSYCH = term("psych", r"\b(?:depress\w*|anxi\w*|panic attack|psych\w*|hallucinat\w*|hear(?:s|ing) voices|bipolar|"
                      r"schizo\w*|manic|mania|paranoi\w*|detox|withdrawal)\b")
PSYCHOSIS = term("psychosis", r"\b(?:hallucinat\w*|hear(?:s|ing) voices|psychosis|psychotic|paranoi\w*|manic|mania|"
                              r"withdrawal)\b")
NECK_BACK_TRAUMA = term("neck_back_trauma", r"\b(?:neck|back) pain after (?:a |an )?(?:mvc|mva|car accident|"
                                            r"crash|collision|fall)\b")
NECK_PAIN = term("neck_pain", r"\b(?:neck|c-?spine|cervical spine) (?:pain|tenderness)|(?:neck|c-?spine) (?:&|and) "
                              r"\w+ (?:pain|tenderness)|pain (?:in|to) (?:the |his |her )?neck\b")
SPINE_PRECAUTIONS = term("spine_precautions", r"\b(?:c-?collar|cervical collar|backboard|spinal precautions|spinal "
                                              r"immobili[sz]\w*|spine boarded|in a collar|(?:c-?)?spine "
                                              r"(?:precautions|immobili[sz]ed))\b")
SEVERE_WORD = term("severe_word", r"\b(?:severe|excruciating|unbearable)\b")
MINOR = term("minor", r"\b(?:sore throat|pharyngitis|strep|tonsil\w*|runny nose|congestion|cold|cough|uri\b|flu-like|"
                      r"sinus\w*|ear ?(?:pain|ache)|(?:pulling|tugging) (?:at )?(?:his |her |their )?(?:left |right )?ears?|"
                      r"otitis|tooth\w*|"
                      r"dental|molar|rash|itch\w*|hives|poison ivy|eczema|(?:insect|mosquito|bug|spider) bites?|"
                      r"bites|stings?|lice|scabies|refill|prescription|ran out|out of (?:his |her )?(?:meds|pills|"
                      r"medication)|suture removal|staple removal|sutures? (?:out|removed|removal)|here for removal|"
                      r"wound check|dressing change|recheck|tick|burn|sunburn|blister|work note|school note|"
                      r"paperwork|physical|pink ?eye|conjunctivitis|red(?:,)? (?:crusty |itchy )*eyes?|eye "
                      r"(?:discharge|redness)|stye|wart|scrape\w*|abrasion|bruise\w*|bump|constipat\w*|"
                      r"blood pressure (?:pills|medication|check)|bp (?:re)?check|hiccups|sprain|puncture wound|"
                      r"stepped on a (?:rusty )?nail|tetanus|nause\w*|morning sickness|skin tears?|menstrual cramps?|"
                      r"no complaints|wants? to be checked|check(?:ed)? out after|strain\w*|pulled (?:a )?muscle|after lifting|"
                      r"muscle (?:pain|ache|soreness)|sore muscles|"
                      r"period (?:pain|cramps?)|dysmenorrh\w*)\b")
EXPLICIT = (
    (LABS, term("x_labs", r"\b(?:labs|blood ?work|cbc|bmp|cmp|lytes|electrolytes|troponin|lactate|blood cultures?|"
                          r"urinalysis|urine culture|lipase|d-?dimer|serum hcg|beta-?hcg|coags|inr\b|blood tests?)\b")),
    (ECG, term("x_ecg", r"\b(?:ecg|ekg|12-lead|electrocardiogram)\b")),
    (XRAY, term("x_xray", r"\b(?:x-?rays?|radiographs?|cxr|films)\b")),
    (IMAGING, term("x_imaging", r"\b(?:ct|cat scan|mri|ultrasound|sonogram|angiogra\w*|cta\b)\b")),
    (FLUIDS, term("x_fluids", r"\b(?:iv fluids|ivf|fluid bolus|normal saline|lactated ringer\w*|\d+ ?(?:ml|cc)/kg)\b")),
    (MEDS, term("x_meds", r"\b(?:iv (?:antibiotics|abx|meds|medications?|morphine|dilaudid|hydromorphone|toradol|"
                          r"ketorolac|zofran|ondansetron|pain medication|steroids)|im (?:toradol|ketorolac|injection|"
                          r"ceftriaxone|rocephin)|nebuli[sz]\w*|breathing treatments?|duoneb|albuterol)\b")),
    (CONSULT, term("x_consult", r"\b(?:consult\w*|(?:surgery|ortho\w*|psych\w*|ob|gyn\w*|cardiology|neurology) "
                                r"(?:to see|eval\w*)|needs? (?:a )?specialist)\b")),
    (SIMPLE, term("x_simple", r"\b(?:sutures?|stitches|laceration repair|i ?& ?d|incision and drainage|catheteri[sz]\w*|"
                              r"nasal packing)\b")),
    (COMPLEX, term("x_complex", r"\b(?:procedural sedation|conscious sedation|reduction|reduce (?:the|his|her)|"
                                r"relocat\w*)\b")),
)
SUTURE_REMOVAL = term("suture_removal", r"\b(?:(?:suture|stitch|staple)s? (?:removal|out|removed)|(?:here|back) for "
                                        r"(?:suture |stitch |staple )?removal|remov\w* (?:of )?(?:the |his |her )?"
                                        r"(?:sutures|stitches|staples))\b")
_HOME = term("home", r"\b(?:at home|home|already|last week|yesterday|earlier today at|at (?:urgent care|"
                     r"the clinic|clinic))\b", negatable=False, historical=True)


@dataclass
class Prediction:
    """Resource types with the span that suggested each, and whether any complaint pattern was recognised.

    `medical` records that a medical (not injury/procedure) complaint asked for something, because abnormal
    vital signs add a blood work-up only to medical complaints.
    """

    reasons: dict[str, tuple[Span, str]]
    recognised: bool = False
    medical: bool = False
    in_medical_template: bool = False

    def add(self, kind: str, span: Span, why: str) -> None:
        self.reasons.setdefault(kind, (span, why))
        self.medical = self.medical or self.in_medical_template


def count(types: list[str]) -> int:
    """ESI resource count: one per type, two for a complex procedure."""
    return sum(2 if t == COMPLEX else 1 for t in types)


Template = Callable[[Context, Reading, Prediction], None]


def _age(reading: Reading) -> float | None:
    return reading.band_age


def _febrile(ctx: Context, reading: Reading) -> Span | None:
    t = reading.vitals.temp_c
    return reading.spans["temp_c"] if t is not None and t >= 38.0 else ctx.hit(L.FEVER)


_FULL_STOP = re.compile(r"[.!?](?=\s|$)|\n")


def _near(ctx: Context, a: Span, t: Term, reach: int = 80) -> Span | None:
    """Affirmed mention of `t` within `reach` characters of `a`, without crossing a full stop.

    Looser than a sentence (a ';' or ',' does not separate 'punched a wall; hand swollen'), tighter than the text.
    """
    lo, hi = max(0, a.start - reach), min(len(ctx.low), a.end + reach)
    for stop in _FULL_STOP.finditer(ctx.low, lo, a.start):
        lo = stop.end()
    stop_after = _FULL_STOP.search(ctx.low, a.end, hi)
    if stop_after is not None:
        hi = stop_after.start()
    for m in t.regex.finditer(ctx.low, lo, hi):
        if ctx.affirmed(t, m.start(), m.end()):
            return Span(m.start(), m.end())
    return None


def cardio_resp(ctx: Context, reading: Reading, p: Prediction) -> None:
    age = _age(reading)
    older = age is None or age >= 40
    if (s := ctx.hit(L.CHEST_PAIN)) is not None:
        for k in (ECG, LABS, XRAY):
            p.add(k, s, "chest pain")
    if (s := ctx.hit(L.ANGINAL_EQUIVALENT)) is not None and older:
        p.add(ECG, s, "possible anginal equivalent")
        p.add(LABS, s, "possible anginal equivalent")
    if (s := ctx.hit(PALPITATIONS)) is not None:
        p.add(ECG, s, "palpitations")
        p.add(LABS, s, "palpitations")
    if (s := ctx.hit(L.SYNCOPE)) is not None:
        p.add(ECG, s, "syncope")
        if older:
            p.add(LABS, s, "syncope in an adult >= 40")
    if (s := ctx.hit(L.DIZZY)) is not None:
        if ctx.hit(POSITIONAL) is not None:
            p.add(MEDS, s, "positional vertigo: antiemetic/vestibular suppressant")
        else:
            p.add(LABS, s, "dizziness")
            if older:
                p.add(ECG, s, "dizziness")
    if (s := ctx.hit(L.SOB)) is not None:
        p.add(XRAY, s, "shortness of breath")
        p.add(LABS, s, "shortness of breath")
        if older:
            p.add(ECG, s, "shortness of breath")
    if (s := ctx.hit(WHEEZE)) is not None:
        p.add(MEDS, s, "nebulised bronchodilator")
    if (s := ctx.hit(PNEUMONIA)) is not None:
        p.add(XRAY, s, "possible pneumonia")
        p.add(LABS, s, "possible pneumonia")
    elif ctx.hit(CROUP) is not None:
        p.recognised = True  # croup: clinical diagnosis, oral steroid
    elif (s := ctx.hit(L.COUGH)) is not None and _febrile(ctx, reading) is not None:
        p.add(XRAY, s, "cough with fever")
        if age is None or age >= 50:
            p.add(LABS, s, "cough with fever in an older adult")
    if (s := ctx.hit(CHF)) is not None:
        for k in (LABS, XRAY, ECG, MEDS):
            p.add(k, s, "heart failure")
    if (s := ctx.hit(DVT)) is not None:
        p.add(LABS, s, "possible DVT")
        p.add(IMAGING, s, "possible DVT")


def abdomen_gu(ctx: Context, reading: Reading, p: Prediction) -> None:
    age = _age(reading)
    cystitis = ctx.hit(UTI) is not None and _febrile(ctx, reading) is None and ctx.hit(FLANK) is None
    if (s := ctx.hit(L.ABD_PAIN)) is not None and ctx.first(RETENTION, TUBE) is None and not cystitis:
        child_constipation = age is not None and age < 18 and ctx.hit(CONSTIPATION) is not None \
            and _febrile(ctx, reading) is None and ctx.hit(VOMIT) is None
        if not child_constipation:
            p.add(LABS, s, "abdominal pain")
            p.add(IMAGING, s, "abdominal pain")
    if (s := ctx.hit(L.ABD_DISTENSION)) is not None and ctx.first(RETENTION, TUBE) is None:
        p.add(LABS, s, "abdominal distension: possible obstruction")
        p.add(IMAGING, s, "abdominal distension: possible obstruction")
    if (s := ctx.hit(CONSTIPATION)) is not None and age is not None and age >= 50 and ctx.hit(VOMIT) is not None:
        p.add(LABS, s, "constipation with vomiting in an older adult")
        p.add(IMAGING, s, "constipation with vomiting in an older adult")
    if (s := ctx.hit(FLANK)) is not None:
        for k in (LABS, IMAGING, MEDS):
            p.add(k, s, "flank pain / renal colic")
    if (s := ctx.hit(VOMIT)) is not None:
        if ctx.hit(DEHYDRATED) is not None or (age is not None and age >= 65):
            p.add(LABS, s, "vomiting/diarrhoea with dehydration")
            p.add(FLUIDS, s, "vomiting/diarrhoea with dehydration")
        elif age is None or age >= 18:
            p.add(MEDS, s, "IV/IM antiemetic")
    if (s := ctx.hit(UTI)) is not None:
        p.add(LABS, s, "urine/STI tests")
        if _febrile(ctx, reading) is not None or ctx.hit(FLANK) is not None:
            p.add(FLUIDS, s, "febrile urinary infection")
    if (s := ctx.hit(RETENTION)) is not None:
        p.add(SIMPLE, s, "Foley catheter")
        p.add(LABS, s, "urinary retention")
    if (s := ctx.hit(TUBE)) is not None:
        p.add(SIMPLE, s, "catheter/tube replacement")
    if (s := ctx.hit(L.VAG_BLEED)) is not None:
        p.add(LABS, s, "vaginal bleeding")
        if ctx.first(L.PREGNANT, L.ABD_PAIN, MAYBE_PREGNANT, HEAVY) is not None:
            p.add(IMAGING, s, "pelvic ultrasound")
    if (s := ctx.hit(PELVIC)) is not None:
        p.add(LABS, s, "pelvic complaint")
        if "pain" in ctx.low[s.start : s.end]:
            p.add(IMAGING, s, "pelvic ultrasound")
    if (s := ctx.hit(L.TESTIS)) is not None:
        p.add(IMAGING, s, "scrotal ultrasound")
        p.add(LABS, s, "testicular pain")
    if (s := ctx.hit(L.GI_BLEED_UPPER) or ctx.hit(L.GI_BLEED_LOWER)) is not None:
        p.add(LABS, s, "GI bleeding")
    if (s := ctx.hit(L.GI_BLEED_UPPER)) is not None:
        p.add(MEDS, s, "IV acid suppression for upper GI bleeding")


def neuro_general(ctx: Context, reading: Reading, p: Prediction) -> None:
    v = reading.vitals
    age = _age(reading)
    if (s := ctx.hit(L.HEADACHE)) is not None:
        p.add(MEDS, s, "headache treatment")
        worrying = ctx.first(L.THUNDERCLAP, L.HEAD_INJURY, L.ANTICOAG, NEURO_HEADACHE)
        if (age is not None and age >= 50) or worrying is not None or (v.sbp is not None and v.sbp >= 180):
            p.add(IMAGING, s, "head CT for a headache with red flags")
        if ctx.hit(MIGRAINE) is not None and ctx.hit(NAUSEA) is not None:
            p.add(FLUIDS, s, "migraine with nausea")
    if (s := ctx.hit(L.CONFUSION)) is not None or (s := ctx.hit(L.STROKE_SIGN)) is not None:
        p.add(LABS, s, "altered mental status / neuro deficit")
        p.add(IMAGING, s, "head imaging")
    if (s := ctx.hit(L.SEIZURE)) is not None:
        p.add(LABS, s, "seizure")
    if (s := ctx.hit(WEAKNESS)) is not None:
        p.add(LABS, s, "weakness/fatigue")
        if age is not None and age >= 65:
            p.add(ECG, s, "weakness in an older adult")
    if (s := ctx.hit(L.OVERDOSE)) is not None:
        p.add(LABS, s, "toxicology")
        p.add(ECG, s, "toxicology")
    if (s := ctx.hit(PSYCH)) is not None or (s := ctx.hit(L.SUICIDAL)) is not None:
        p.add(CONSULT, s, "mental health evaluation")
        if ctx.first(PSYCHOSIS, L.SUICIDAL) is not None:
            p.add(LABS, s, "medical clearance")
    glucose = v.glucose_mg_dl
    hyper = reading.spans["glucose_mg_dl"] if glucose is not None and glucose >= 300 else ctx.hit(HYPERGLYCEMIA)
    if hyper is not None:
        p.add(LABS, hyper, "hyperglycaemia")
        p.add(FLUIDS, hyper, "hyperglycaemia")
    if (s := _febrile(ctx, reading)) is not None and (age is None or age >= 18):
        p.add(LABS, s, "fever in an adult")
    if (s := ctx.hit(EYE_PAIN)) is not None and ctx.hit(EYE_RED_FLAG) is not None:
        p.add(CONSULT, s, "painful red eye with visual symptoms: ophthalmology")
    if (s := ctx.hit(CELLULITIS)) is not None:
        if _febrile(ctx, reading) is not None or ctx.hit(CELLULITIS_SEVERE) is not None:
            p.add(LABS, s, "cellulitis failing oral treatment")
            p.add(MEDS, s, "IV antibiotics")
    if (s := ctx.hit(ALLERGIC_SWELLING)) is not None:
        p.add(MEDS, s, "IV/IM allergy treatment")


def injuries(ctx: Context, reading: Reading, p: Prediction) -> None:
    age = _age(reading)
    older = age is not None and age >= 65
    head = ctx.hit(L.HEAD_INJURY)
    loc = ctx.hit(L.LOC)
    if head is not None:
        p.recognised = True
        if ctx.first(L.LOC, L.HEAD_RED, L.ANTICOAG, L.INTOX) is not None or older:
            p.add(IMAGING, head, "head CT after head injury")
    elif loc is not None and ctx.hit(INJURY_CUE) is not None:
        p.add(IMAGING, loc, "head CT after loss of consciousness")
    if (s := ctx.hit(HIP_FRACTURE)) is not None:
        for k in (XRAY, LABS, MEDS, CONSULT):
            p.add(k, s, "probable hip fracture")
    cleared = ctx.raw(NO_BONY_SIGNS) is not None and ctx.first(SWELLING, DEFORMITY) is None
    for part in ctx.iter_hits(BODY_PART):
        cue = _near(ctx, part, INJURY_CUE)
        if cue is None or cleared:
            continue
        if _near(ctx, part, LACERATION) is not None and _near(ctx, part, BONY) is None:
            continue  # a cut on the injured part: repaired, not X-rayed, unless a bony injury is suspected
        p.add(XRAY, part, f"X-ray of the injured {ctx.snippet(part)}")
        deformity = _near(ctx, part, DEFORMITY)
        if deformity is not None:
            if BIG_JOINT.regex.fullmatch(ctx.low, part.start, part.end) is not None:
                p.add(COMPLEX, deformity, "reduction under procedural sedation")
            else:
                p.add(SIMPLE, deformity, "reduction of a small joint")
        break
    if (s := ctx.hit(FACE_INJURY)) is not None:
        p.add(IMAGING, s, "facial CT after facial trauma")
        if (red := ctx.hit(FACE_RED)) is not None:
            p.add(CONSULT, red, "facial fracture with functional deficit")
    if (s := ctx.hit(NECK_BACK_TRAUMA)) is not None:
        p.add(XRAY, s, "spine imaging after trauma")
    if (s := ctx.hit(SPINE_PRECAUTIONS)) is not None or (
            (s := ctx.hit(NECK_PAIN)) is not None and ctx.hit(L.CRASH) is not None):
        p.add(IMAGING, s, "CT of the spine after a vehicle crash or spinal immobilisation")
    if older and (s := ctx.hit(FALL)) is not None:
        p.add(XRAY, s, "fall in an older adult")
        p.add(LABS, s, "fall in an older adult")
    if (s := ctx.hit(L.BACK_PAIN)) is not None and (older or ctx.hit(OSTEOPOROSIS) is not None):
        p.add(XRAY, s, "back pain in an older adult: possible compression fracture")
    if (s := ctx.hit(L.BACK_PAIN)) is not None and XRAY not in p.reasons:
        v = reading.vitals
        if (v.pain is not None and v.pain >= 7) or ctx.hit(SEVERE_WORD) is not None:
            p.add(MEDS, s, "IM/IV analgesia for severe back pain")
        else:
            p.recognised = True


def procedures(ctx: Context, reading: Reading, p: Prediction) -> None:
    removal = ctx.hit(SUTURE_REMOVAL) is not None
    for t, why in ((LACERATION, "laceration repair"), (ABSCESS, "incision and drainage"),
                   (FOREIGN_BODY, "foreign-body removal"), (NAIL, "nail procedure")):
        if t is LACERATION and removal:
            continue  # a healed laceration back for suture removal is not repaired again
        if (s := ctx.hit(t)) is not None:
            p.add(SIMPLE, s, why)
    if (s := ctx.hit(EPISTAXIS)) is not None:
        p.recognised = True
        stopped = "stopped" in ctx.low[s.start : ctx.sentence_end(s.end)]
        if ctx.hit(STILL_BLEEDING) is not None and not stopped:
            p.add(SIMPLE, s, "nasal packing for persistent epistaxis")


def explicit(ctx: Context, reading: Reading, p: Prediction) -> None:
    """Resources the note names outright ('needs sutures', 'CT ordered'), unless done elsewhere already."""
    removal = ctx.hit(SUTURE_REMOVAL) is not None
    for kind, t in EXPLICIT:
        if kind == SIMPLE and removal:
            continue  # sutures mentioned because they are coming out
        for s in ctx.iter_hits(t):
            if _near(ctx, s, _HOME) is None:
                p.add(kind, s, f"named in the note ({ctx.snippet(s)})")
                break


# (template, is it about a medical complaint?)
TEMPLATES: tuple[tuple[Template, bool], ...] = (
    (cardio_resp, True), (abdomen_gu, True), (neuro_general, True), (injuries, False), (procedures, False),
    (explicit, False),
)


def step_c(ctx: Context, reading: Reading, out: Collector) -> list[str]:
    """Predict resource types, record one 'C.<type>' finding per type, and return the types."""
    p = Prediction({})
    for template, medical in TEMPLATES:
        p.in_medical_template = medical
        template(ctx, reading, p)
    if p.reasons or ctx.hit(MINOR) is not None:
        p.recognised = True
    v = reading.vitals
    band = band_for(reading.band_age)
    breach = ((v.hr is not None and v.hr > band.hr) or (v.rr is not None and v.rr > band.rr)
              or (v.spo2 is not None and v.spo2 < 92))
    if p.medical and breach and LABS not in p.reasons:
        key = "hr" if v.hr is not None and v.hr > band.hr else "rr" if v.rr is not None and v.rr > band.rr else "spo2"
        p.add(LABS, reading.spans[key], "abnormal vital signs prompt a blood work-up")
    if not p.recognised:
        whole = Span(0, min(len(ctx.text), 80))
        abnormal = breach or (v.temp_c is not None and v.temp_c >= 38.0) or (v.sbp is not None and v.sbp < 100)
        older = reading.band_age is not None and reading.band_age >= 65
        p.add(LABS, whole, "complaint not recognised: a work-up is assumed")
        if abnormal or older:
            p.add(IMAGING, whole, "complaint not recognised, abnormal vitals or age >= 65: a fuller work-up is assumed")
    types = [t for t in RESOURCE_TYPES if t in p.reasons]
    for t in types:
        span, why = p.reasons[t]
        out.add(f"C.{t}", "C", f"{LABELS[t]}: {why}", span)
    return types
