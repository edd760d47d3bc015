"""The clinical vocabulary the rules look for, one named pattern per concept (all lower-case, precompiled).

Kept apart from the rules so that a reviewer can read what counts as, say, "stroke signs" in one place, and so
that the rules read like the ESI handbook's decision points rather than like regular expressions.
`historical=True` marks facts that matter even when they are part of the history (on warfarin, diabetic).
"""

from __future__ import annotations

from triage_demo.esi.text import term

_LIMB = r"(?:foot|feet|leg|legs|limb|extremit\w*|toes?|fingers?|hand|arm|distal|pedal|dorsalis|popliteal|femoral|radial)"

# ---------------------------------------------------------------------------------------------------------------
# Step A: immediate life-saving interventions and ESI-1 states
# ---------------------------------------------------------------------------------------------------------------
ARREST = term("arrest", r"\b(?:cardiac arrest|cardiopulmonary arrest|in arrest|code blue|pulseless(?! electrical)|"
                        r"no pulses?|without a pulse|no palpable pulses?|asystol\w*|pea arrest|pulseless electrical "
                        r"activity|v\.?\s?-?fib\b|ventricular fibrillation|vf arrest|rosc|return of spontaneous "
                        r"circulation|cpr|chest compressions|found (?:dead|lifeless))\b")
LIMB_CONTEXT = term("limb_context", r"\b" + _LIMB + r"\b", negatable=False, historical=True)
DEFIB = term("defib", r"\b(?:defibrillat(?:ed|ion|ing)|shocked(?:\s+\w+)?\s+(?:times|twice|once|x\s?\d)|shocked by|"
                      r"aed (?:shock\w*|applied|advised|delivered)|cardioverted|cardioversion|(?:transcutaneous|external|"
                      r"transvenous) pacing|pacing pads|pacer pads|pads? (?:applied|placed) for pacing|being paced)\b")
AIRWAY = term("airway", r"\b(?:intubated|intubation|endotracheal tube|et tube|ett\b|rapid sequence|rsi\b|"
                        r"cricothyr\w*tomy|surgical airway|king airway|i-?gel|supraglottic airway|laryngeal mask|"
                        r"bag[- ]valve[- ]mask|bag[- ]mask|bvm|being bagged|bagged|bagging|assisted ventilations?|ventilated with|"
                        r"mechanically ventilated|on (?:a |the )?ventilator|jaw thrust)\b")
NIV = term("niv", r"\b(?:bipap|bi-pap|cpap|c-pap|niv|non-?invasive (?:positive pressure )?ventilation|nippv)\b")
NIV_CHRONIC = term("niv_chronic", r"\b(?:home|at night|nightly|overnight|for sleep|sleep apn\w*|osa|uses|wears|"
                                  r"compliant)\b", negatable=False, historical=True)
PROCEDURE_A = term("procedure_a", r"\b(?:needle decompression|needle thoracostomy|decompressed|chest tube|thoracostomy|"
                                  r"pericardiocentesis|thoracotomy|intraosseous|io (?:access|line|needle)|"
                                  r"central line)\b")
BLEEDING_A = term("bleeding_a", r"\b(?:tourniquets?|arterial bleed\w*|spurting|pulsatile bleed\w*|exsanguinat\w*|"
                                r"massive (?:bleed\w*|hemorrhage|haemorrhage|blood loss)|uncontrolled (?:bleed\w*|"
                                r"hemorrhage|haemorrhage)|hemorrhagic shock|haemorrhagic shock|bleeding (?:profusely|"
                                r"uncontrollably|heavily through))\b")
RESUSCITATION = term("resuscitation", r"\b(?:blood transfusion|transfus\w+|units? of (?:prbcs?|blood|packed)|prbcs?|"
                                      r"fluid resuscitation|wide open fluids|vasopressors?|pressors?|dopamine|"
                                      r"norepinephrine|norepi|levophed|vasopressin|phenylephrine|neo-?synephrine|epi(?:nephrine)? "
                                      r"(?:drip|infusion)|push[- ]dose|massive transfusion|mtp\b)\b")
SHOCK_NAMED = term("shock_named", r"\b(?:(?:septic|cardiogenic|hypovol(?:a)?emic|distributive|obstructive|"
                                  r"anaphylactic|neurogenic|spinal) shock|in shock|shocky)\b")
HYPOTENSIVE = term("hypotensive", r"\b(?:(?<!orthostatic )(?<!postural )(?:hypotensive|hypotension)|soft (?:bp|blood "
                                  r"pressures?|pressures)|(?:bp|blood pressure|pressures?) (?:is |are |has been |keeps )?"
                                  r"(?:soft|dropping|tanking|crashing|low))\b")
NALOXONE = term("naloxone", r"\b(?:naloxone|narcan)\b")
DEXTROSE = term("dextrose", r"\b(?:d50|d10|dextrose 50|amp of dextrose|iv dextrose|glucagon)\b")
ATROPINE = term("atropine", r"\batropine\b")
ADENOSINE = term("adenosine", r"\b(?:adenosine|adenocard)\b")
EPINEPHRINE = term("epinephrine", r"\b(?:epinephrine|epi ?-?pen|adrenaline|im epi|epi\b|auvi-?q)\b")
APNEA = term("apnea", r"\b(?:(?<!sleep )apn(?:o)?e(?:a|ic)(?! monitor)|not breathing|stopped breathing|stops breathing|"
                      r"no respiratory effort|no spontaneous (?:respirations|breathing|breaths)|breathing stopped)\b")
AGONAL = term("agonal", r"\b(?:agonal|gasping (?:respirations|breaths|breathing|every)|irregular gasps)\b")
SEVERE_RESP = term("severe_resp", r"\b(?:severe respiratory distress|severe resp(?:iratory)? distress|in extremis|"
                                  r"(?:impending )?respiratory failure|one[- ]word (?:sentences|answers|responses)|"
                                  r"single words?|silent chest|cyanotic|cyanosis|blue lips|lips (?:are |look |turning )?"
                                  r"(?:blue|dusky|grey|gray)|dusky|tiring out|exhausted from breathing|"
                                  r"(?:too|very) (?:short of breath|breathless) to (?:speak|talk))\b")
STRIDOR = term("stridor", r"\b(?:stridor\w*|stridulous)\b")
UNABLE_TO_SPEAK = term("unable_to_speak", r"\b(?:unable to (?:speak|talk)|cannot (?:speak|talk)|can't (?:speak|talk))\b")
RESP_CONTEXT = term("resp_context", r"\b(?:breath\w*|wheez\w*|asthma\w*|dyspn\w*|sob|respirat\w*|copd|air hunger|"
                                    r"short of breath)\b", negatable=False, historical=True)
SEIZING = term("seizing", r"\b(?:actively seizing|active seizure|status epilepticus|seizing|still seizing|"
                          r"ongoing seizure|continuous seizure|convulsing|seizure (?:activity )?(?:ongoing|continuing|"
                          r"persists|has not stopped))\b")
SEIZURE_STOPPED = term("seizure_stopped", r"\b(?:post-?ictal|stopped|resolved|self-resolved|terminated|lasted|lasting|"
                                          r"ended|now (?:\w+ ){0,2}(?:alert|awake|responsive|talking|at baseline))\b",
                       negatable=False)
HYPOPERFUSION = term("hypoperfusion", r"\b(?:mottled|mottling|clammy|cold extremities|cool extremities|cool and|"
                                      r"cold and|delayed cap(?:illary)? refill|cap(?:illary)? refill (?:of |is )?"
                                      r"(?:[4-9]|>\s*3)|ashen|grey|gray|pale and (?:sweaty|diaphoretic)|thready|"
                                      r"weak pulses?|diaphoretic|diaphoresis)\b")
POOR_PERFUSION = term("poor_perfusion", r"\b(?:mottled|mottling|delayed cap(?:illary)? refill|cap(?:illary)? refill "
                                        r"(?:of |is |time )?(?:[4-9]|>\s*3)|cold extremities|ashen|grey|gray|"
                                        r"weak,? thready pulses?|thready)\b")
ANAPHYLAXIS_NOW = term("anaphylaxis_now", r"\b(?:anaphyla\w*|hives|urticaria|throat (?:closing|tight\w*)|wheez\w*|"
                                          r"(?:lip|tongue|face|facial) swelling|swollen (?:lips?|tongue|face))\b")
RESOLVED_AFTER = term("resolved_after", r"\b(?:now (?:\w+ ){0,2}(?:alert|awake|responsive|conversant|talking|speaking|"
                                        r"oriented|breathing|pink|at baseline|improved|normal)|improved|resolved|"
                                        r"responded|response|with good effect|converted|back to (?:sinus|baseline)|"
                                        r"regained|woke up|came around)\b", negatable=False)
NO_EFFECT = term("no_effect", r"\b(?:little|no|minimal|without|poor) (?:effect|response|improvement|change)\b|"
                              r"\bstill\b|\bpersist\w*|\bagain\b|\bremains?\b|\bdespite\b", negatable=False)

# ---------------------------------------------------------------------------------------------------------------
# Step B: high-risk situations
# ---------------------------------------------------------------------------------------------------------------
CHEST_PAIN = term("chest_pain", r"\b(?:chest (?:pain|pressure|tightness|discomfort|heaviness|ache|burning|squeezing)|"
                                r"cp\b|c/p\b|"
                                r"(?:substernal|retrosternal|precordial) (?:pain|pressure|discomfort|burning|"
                                r"tightness|chest \w+)|pain (?:in|across) (?:the |his |her |my )?chest|angina\w*|"
                                r"crushing (?:pain|sensation)|elephant on (?:my |his |her )?chest)\b")
CARDIAC_STRONG = term("cardiac_strong", r"\b(?:radiat\w+ (?:to|into|down|through) (?:the |his |her |both )?(?:left |"
                                        r"right )?(?:arm|arms|jaw|neck|shoulder)|(?:left )?arm (?:pain|numbness|"
                                        r"heaviness|tingling)|jaw pain|diaphore\w+|sweaty|clammy|(?<!blood )pressure|tightness|"
                                        r"squeez\w*|crushing|heaviness|exertion\w*|while (?:shovel\w*|running|"
                                        r"exercising|climbing|walking|jogging)|stemi|st elevation)\b")
ANGINAL_EQUIVALENT = term("anginal_equivalent", r"\b(?:(?:left )?arm (?:pain|heaviness|numbness)|jaw pain|"
                                                r"indigestion|heartburn|epigastric (?:pain|burning|discomfort|pressure))\b")
CARDIAC_WEAK = term("cardiac_weak", r"\b(?:nause\w+|short(?:ness)? of breath|sob\b|dyspn\w+|cocaine|lightheaded\w*|"
                                    r"dizz\w*|palpitation\w*|syncop\w*)\b")
CARDIAC_HISTORY = term("cardiac_history", r"\b(?:cad|coronary artery disease|mi|myocardial infarction|heart attack|"
                                          r"stents?|cabg|bypass|angina|heart disease|diabetic|diabetes|"
                                          r"hypertension|htn|hyperlipid\w*|smoker)\b", historical=True)
CHEST_BENIGN = term("chest_benign", r"\b(?:reproducible|reproduced|tender to palpation|(?:worse|increases|hurts) "
                                    r"(?:with|on|when) (?:palpation|pressing|pressure on|movement|moving|deep breaths?|"
                                    r"breathing|inspiration|twisting)|pressing on (?:the )?chest|chest wall|"
                                    r"when (?:he |she |they |i )?(?:breathes?|breathing|coughs?|coughing) ?(?:deeply|in)?|"
                                    r"on (?:deep )?inspiration|with (?:deep )?(?:breathing|inspiration|coughing)|"
                                    r"musculoskeletal|coughing fit|after (?:a )?(?:coughing|cough|fall|lifting)|"
                                    r"pleuritic)\b")
STROKE_SIGN = term("stroke_sign", r"\b(?:facial droop\w*|face droop\w*|droop\w* (?:of )?(?:the |her |his )?(?:left |"
                                  r"right )?(?:face|mouth|side of (?:the |his |her )?face)|(?:face|mouth|smile) (?:is )?"
                                  r"droop\w*|slurred speech|slurring (?:her |his |their )?(?:speech|words)|speech "
                                  r"(?:is |was |became |has become |got |sounds |seemed )?slurred|aphasi\w*|dysarthri\w*|word[- ]finding|(?:trouble|difficulty) "
                                  r"(?:finding|getting out|with) (?:her |his |their )?words|hemipare\w*|hemipleg\w*|"
                                  r"(?:left|right|one)[- ]sided (?:arm |leg |facial |face |body )?(?:weakness|numbness|"
                                  r"paralysis)|(?:weakness|numbness) (?:of|in) (?:the |his |her )?(?:left|right) "
                                  r"(?:arm|leg|side|face|hand)|(?:left|right) (?:arm|leg|side|hand|face)(?: and (?:arm|"
                                  r"leg|face))? (?:weakness|numbness|drift|(?:is|was|went|became|has gone|felt|feels|got) (?:weak|numb|limp|"
                                  r"heavy|floppy))|unilateral weakness|"
                                  r"(?:arm|pronator) drift|stroke (?:symptoms|alert|code)|code stroke|last (?:known|"
                                  r"seen) (?:well|normal)|lkw\b|sudden (?:loss of vision|vision loss|blindness|double vision|"
                                  r"confusion|trouble (?:speaking|walking)))\b")
POSTERIOR_SIGN = term("posterior_sign", r"\b(?:ataxi\w*|falling to (?:the |one )?(?:left|right|side)|"
                                        r"(?:inability|unable) to walk|can't walk straight|veering to (?:the )?"
                                        r"(?:left|right))\b")
STROKE_WORD = term("stroke_word", r"\b(?:(?<!heat )(?<!sun)stroke|cva|tia|transient ischemic attack)\b")
PREGNANT = term("pregnant", r"\b(?:pregnant|pregnancy(?! test)|g\d+\s?p\d+|positive (?:home )?(?:pregnancy |urine )?(?:test|upt|hcg)|"
                            r"(?:upt|hcg|pregnancy test) (?:is |was )?positive|\d+ weeks? (?:since (?:her |the )?lmp|"
                            r"gestation|ga\b)|missed (?:her )?(?:last )?period|late period|ectopic|iup\b|intrauterine pregnancy|gravid|"
                            r"primigravida|multigravida|(?:♀|female|woman|f|pt|patient),? (?:is |at )?(?:1[3-9]|[23]\d|"
                            r"4[0-2]) ?(?:wks?|weeks?)\b(?! ago| of| post| s/p| after| history| hx))\b", historical=True)
GEST_WEEKS = term("gest_weeks", r"\b(?P<w>\d{1,2})\s*(?:weeks?|wks?)\s*(?:pregnant|gestation|ga\b|since (?:her |the )?"
                                r"lmp)|\blmp (?:was )?(?:about )?(?P<w2>\d{1,2})\s*weeks? ago|\bpregnant,? (?:at |about )?"
                                r"(?P<w3>\d{1,2})\s*(?:weeks?|wks?)\b|\bat (?P<w4>\d{1,2}) ?(?:weeks?|wks?)\b|(?:♀|female|woman|\bf|\bpt|"
                                r"\bpatient),? (?:is )?(?P<w5>1[3-9]|[23]\d|4[0-2]) ?(?:wks?|weeks?)\b(?! ago| of| post| "
                                r"s/p| after| history| hx)", historical=True)
ABD_PAIN = term("abd_pain", r"\b(?:abd(?:ominal)? (?:pain|cramp\w*|discomfort|tenderness)|belly (?:pain|ache)|"
                            r"stomach (?:pain|ache)|stomachache|tummy ache|pelvic pain|(?:lower|upper) quadrant "
                            r"(?:abdominal )?pain|(?:rlq|llq|ruq|luq) (?:pain|tenderness)|lower (?:abdominal|abd) \w+|"
                            r"quadrant pain|shoulder tip pain|crampy (?:abdominal )?pain|cramping)\b")
VAG_BLEED = term("vag_bleed", r"\b(?:vaginal (?:bleeding|spotting|blood|hemorrhage)|spotting|bleeding (?:per|from the) "
                              r"vagina|pv bleed\w*|heavy (?:menstrual |vaginal )?bleeding|soaking (?:through )?"
                              r"(?:a |\d+ |one )?pads?|passing clots)\b")
SYNCOPE = term("syncope", r"\b(?:syncop\w*|faint(?:ed|ing)?|passed out|collaps\w*|blacked out)\b")
DIZZY = term("dizzy", r"\b(?:lightheaded\w*|light-headed\w*|dizz\w*|near[- ]syncop\w*|vertigo|room spinning)\b")
TESTIS = term("testis", r"\b(?:testic\w+ (?:pain|swelling)|(?:pain|swelling) (?:in|of) (?:the |his |my |left |right )*"
                        r"(?:testicle|testis|scrotum)|scrotal (?:pain|swelling)|torsion|(?:left|right|swollen) "
                        r"(?:testicle|testis))\b")
IMMUNOCOMP = term("immunocomp", r"\b(?:chemo\w*|neutropeni\w*|oncology|leuk(?:a)?emi\w*|lymphoma|transplant\w*|"
                                r"immunosuppress\w*|immunocompromised|on steroids|(?:on|takes|taking) (?:chronic |daily )?"
                                r"(?:prednisone|steroids|methotrexate|tacrolimus|cyclosporine|mycophenolate|cellcept|"
                                r"humira|adalimumab|infliximab|remicade|rituximab|biologics?)|bone marrow|hiv|aids|splenectomy|"
                                r"asplenia|sickle cell|on (?:active )?treatment for (?:\w+ )?cancer)\b", historical=True)
FEVER = term("fever", r"\b(?:fevers?|febrile|pyrexi\w*|hyperthermi\w*|feverish|spiking temps?)\b")
SUICIDAL = term("suicidal", r"\b(?:suicid\w*|kill(?:ing)? (?:him|her|them|my)sel(?:f|ves)|end(?:ing)? (?:his|her|"
                            r"their|my) (?:own )?life|take (?:his|her|their|my) own life|self[- ]harm\w*|si\b|si/hi|"
                            r"homicid\w*|(?:kill|hurt|harm) (?:someone|somebody|others|people|(?:his|her|their) \w+)|"
                            r"want(?:s|ed|ing)? to die|better off dead|voices telling (?:him|her|them|me) to (?:kill|hurt|harm))\b")
# Self-harm intent in the patient's own words, for notes that never say "suicidal" (checked after SUICIDAL, so a
# note that does say it keeps that word as the evidence).
SELF_HARM_INTENT = term("self_harm_intent", r"\b(?:end (?:it all|things)|(?:kill(?:ing)?|shoot(?:ing)?|hang(?:ing)?|"
                                            r"hurt(?:ing)?|cut(?:ting)?|stab(?:bing)?|drown(?:ing)?|poison(?:ing)?|"
                                            r"off(?:ing)?) (?:my|him|her|them)sel(?:f|ves)|(?:doesn't|does not|don't|"
                                            r"do not|didn't|did not) want to (?:live|be alive|wake up)|no reason to "
                                            r"live|wish(?:es|ed)? (?:he|she|they|i) (?:was|were) dead)\b")
SUICIDE_PLAN = term("suicide_plan", r"\b(?:plans?|planned|planning|intent|intends|going to|will (?:hang|shoot|jump|"
                                    r"overdose|kill)|hang (?:him|her|them)sel\w*|shoot (?:him|her|them)sel\w*|"
                                    r"jump (?:off|from)|saving (?:up )?(?:his |her |their )?(?:pills|medications)|"
                                    r"stockpil\w*|access to (?:a )?(?:gun|firearm|weapon)s?|(?:suicide )?note|"
                                    r"attempt\w*|tried to (?:kill|hang|overdose|cut|end)|cut(?:ting)? (?:his|her|their|my) wrists?|"
                                    r"(?:has|have|owns?|got|keeps?) (?:a |his |her |their |my )?(?:loaded )?(?:gun|"
                                    r"firearm|rifle|pistol|handgun)s?|"
                                    r"took (?:a bottle|an overdose|\d+ pills|all (?:of )?(?:his|her|their) pills)|"
                                    r"rope|bridge)\b")
VIOLENT = term("violent", r"\b(?:violent|combative|threatening (?:staff|others|to (?:kill|hurt))|danger to "
                          r"(?:self|others|himself|herself)|armed|brandishing)\b")
OPEN_FRACTURE = term("open_fracture", r"\b(?:open (?:fracture|fx)|compound fracture|bone (?:is |was )?(?:visible|"
                                      r"exposed|protruding|sticking out|showing|poking)|(?:visible|exposed|protruding) "
                                      r"bone)\b")
PENETRATING = term("penetrating", r"\b(?:stab(?:bed)?(?: wounds?)?|stabbing|gunshot(?: wounds?)?|gsw|shot (?:in|to|"
                                  r"through) (?:the|his|her)|(?:was|been|got) shot|impal\w+|penetrating (?:injury|"
                                  r"trauma|wound)|knife wound|arrow)\b")
HIGH_MECHANISM = term("high_mechanism", r"\b(?:roll-?over|rolled (?:over|several times)|ejected|ejection|"
                                        r"(?:pedestrian|ped) (?:struck|hit|vs)|(?:struck|hit|run over|hit) by (?:a |an )?"
                                        r"(?:car|truck|vehicle|bus|train|pickup(?: truck)?|suv|van)|motorcycle (?:crash|"
                                        r"accident|collision|vs)|(?:mvc|mva|crash|collision) at (?:highway|high) speed|"
                                        r"high[- ]speed (?:mvc|mva|collision|crash|accident)|thrown from|extricat\w*|"
                                        r"death in (?:the )?same vehicle|fatality at (?:the )?scene|"
                                        r"(?:2nd|3rd|second|third|two|three|[2-9])[- ]?(?:floor|stor(?:y|ey|ies))|"
                                        r"fell from (?:a |the )?(?:roof|balcony|height))\b")
FALL_HEIGHT = term("fall_height", r"\b(?:fell|fall(?:en)?|fall from|jumped)\b[^.;\n]{0,25}?\b(?P<h>\d{1,3})\s*"
                                  r"(?P<u>feet|foot|ft|meters?|metres?|m)\b|\b(?P<h2>\d{1,3})\s*-?\s*(?P<u2>feet|foot|ft|"
                                  r"meters?|metres?)\s*(?:fall|drop)")
CRASH = term("crash", r"\b(?:mvc|mva|collision|crash\w*|accident|rollover|struck|hit by)\b")
MPH = term("mph", r"\b(?P<v>\d{2,3})\s*(?:mph|miles per hour|km/h|kph)\b")
HEAD_INJURY = term("head_injury", r"\b(?:(?:hit|struck|bumped|banged|hitting|striking)\s+(?:(?:his|her|their|the|"
                                  r"back|front|side|of)\s+){0,4}head|head (?:injury|trauma|strike|bump|laceration|lac)|"
                                  r"(?:occipital|frontal|parietal|temporal) (?:hematoma|laceration|swelling|bump)|"
                                  r"bumped (?:his |her |their )?(?:head|forehead)|fell and hit|scalp (?:hematoma|"
                                  r"laceration|lac|wound)|(?:hematoma|bump|goose egg) (?:on|to) (?:the |his |her )?"
                                  r"(?:head|forehead|scalp)|forehead (?:laceration|hematoma|bump)|(?:laceration|lac|"
                                  r"cut|gash) (?:to|on|over|of) (?:the |his |her |their )?(?:head|forehead|scalp|"
                                  r"eyebrow|face))\b")
ANTICOAG = term("anticoag", r"\b(?:warfarin|coumadin|apixaban|eliquis|rivaroxaban|xarelto|dabigatran|pradaxa|"
                            r"edoxaban|heparin|lovenox|enoxaparin|anticoagula\w+|blood thinners?|clopidogrel|plavix|"
                            r"ticagrelor|brilinta)\b", historical=True)
LOC = term("loc", r"\b(?:loss of consciousness|loc\b|lost consciousness|knocked out|passed out|blacked out|"
                  r"unconscious for)\b")
HEAD_RED = term("head_red", r"\b(?:vomit\w*|amnesi\w*|doesn't remember|does not remember|repeating (?:him|her)self|"
                            r"worst headache|seizure|confus\w*|drowsy)\b")
ABD_DISTENSION = term("abd_distension", r"\b(?:abd\w* (?:distension|distention|bloating)|distended (?:abdomen|"
                                        r"belly)|(?:abdomen|belly) (?:is |was |appears )?distended)\b")
GI_BLEED_UPPER = term("gi_bleed_upper", r"\b(?:hematemesis|haematemesis|upper gi bleed\w*|ugib|vomit\w* (?:up )?(?:bright red |dark )?blood|"
                                        r"vomit\w* (?:\w+ ){0,3}blood|bloody (?:vomit\w*|emesis)|coffee[- ]ground\w*|"
                                        r"melena|melaena|(?:black|tarry)(?:,? tarry)? stools?)\b")
MELENA = term("melena", r"\b(?:melena|melaena|(?:black|tarry)(?:,? tarry)? stools?)\b")
HEAVY_BLEED = term("heavy_bleed", r"\b(?:heavy (?:vaginal )?bleeding|soaking (?:through )?(?:a |\d+ |one )?pads?|"
                                  r"large clots|hemorrhag\w*|haemorrhag\w*)\b")
MILD = term("mild", r"\b(?:mild|mildly|slight|minimal)\b")
GI_BLEED_LOWER = term("gi_bleed_lower", r"\b(?:gi ?bleed\w*|gib\b|(?:bright red )?blood (?:in|with) (?:the |his |her )?stools?|"
                                        r"bloody (?:stools?|diarrhea|bowel movements?)|brbpr|rectal bleed\w*|bright red "
                                        r"blood per rectum|passing blood)\b")
RESP_DISTRESS = term("resp_distress", r"\b(?:respiratory distress|resp distress|laboured breathing|labored breathing|"
                                      r"accessory muscles?|retractions?|retracting|nasal flaring|grunting|head bobbing|"
                                      r"tripod\w*|short (?:phrases|sentences)|(?:unable|can't|cannot) (?:to )?complete "
                                      r"(?:full )?sentences|increased work of breathing|working hard to breathe|"
                                      r"stridor|stridorous)\b")
ALLERGY_CONTEXT = term("allergy_context", r"\b(?:allerg\w*|anaphyla\w*|bee sting|stung|sting|hives|urticaria|peanuts?|"
                                          r"shellfish|tree nuts?|penicillin|after eating|ate (?:a |some )?|ace[- ]?inhibitors?|acei|"
                                          r"lisinopril|enalapril|ramipril|benazepril|captopril|quinapril)\b",
                       historical=True)
AIRWAY_SWELLING = term("airway_swelling", r"\b(?:throat (?:is )?(?:closing|tight\w*|swelling|swollen|feels? tight)|"
                                          r"(?:tongue|lips?|face|facial|uvula|mouth) (?:is |are )?(?:swelling|swollen)|"
                                          r"swelling of (?:the |her |his )?(?:lips?|tongue|face|throat|mouth)|"
                                          r"swollen (?:tongue|lips?|throat|uvula|mouth)|angioedema|stridor|hoarse\w*|difficulty (?:breathing|swallowing)|wheez\w*|"
                                          r"trouble breathing|can't breathe|cannot breathe)\b")
OVERDOSE = term("overdose", r"\b(?:overdos\w*|od'?d|(?:whole|entire|full|half a) (?:bottle|pack\w*|box|"
                            r"blister pack|strip)s? of|(?:handful|fistful|bunch|pile) of (?:\w+ ){0,2}(?:pills|"
                            r"tablets|tabs|meds|medications?|capsules)|took (?:a bottle|a handful|an entire bottle|all (?:of )?(?:his|her|"
                            r"their|the|my) (?:pills|meds|medications|tablets)|\d+ (?:pills|tablets|tabs))|(?:swallowed|"
                            r"ingested|ingestion of|got into|drank|ate)\b[^.;]{0,40}?\b(?:pills?|tablets?|tabs|"
                            r"medications?|meds|medicine|pill ?box|bleach|cleaner|detergent pods?|laundry pods?|button "
                            r"batter\w*|magnets?|antifreeze|chemical\w*|lye|acetaminophen|tylenol|aspirin|iron|"
                            r"opioids?|methadone|fentanyl|oxycodone|metoprolol|propranolol|beta[- ]blockers?|"
                            r"calcium channel|amlodipine|digoxin|lithium|antidepressants?|amitriptyline|insulin|"
                            r"clonidine|sulfonylurea|glipizide|nicotine|e-?liquid)|poisoning|toxic ingestion|"
                            r"intentional ingestion|accidental ingestion|possible ingestion|(?:open|empty) (?:pill )?"
                            r"bottle of|pills? (?:are |were )?missing|unknown (?:number|amount) of (?:pills|tablets)|"
                            r"found with (?:\w+ ){0,4}(?:pills?|medications?|tablets?|pill bottle)|button batter(?:y|ies)|"
                            r"(?:battery|magnets?|caustic|bleach|lye|drain cleaner) ingestion|(?:unknown|not sure|"
                            r"unsure) how many (?:pills|tablets)?)\b")
DKA = term("dka", r"\b(?:dka|diabetic ketoacidosis|ketoacidosis|kussmaul\w*|fruity (?:breath|odor|odour|smell)|"
                  r"deep(?:,)? (?:rapid|fast) breath\w*|(?:large|positive|high) (?:serum |urine )?ketones)\b")
DKA_SYMPTOM = term("dka_symptom", r"\b(?:vomit\w*|abd(?:ominal)? pain|belly pain|kussmaul\w*|rapid breathing)\b")
INTOX = term("intox", r"\b(?:intoxicated|drunk|etoh|smells? (?:of|like) alcohol|alcohol on (?:his|her) breath|"
                      r"inebriated)\b")
DIABETIC = term("diabetic", r"\b(?:diabet\w*|dm\b|t1dm|t2dm|iddm|niddm|insulin)\b", historical=True)
HYPOGLYCEMIA = term("hypoglycemia", r"\b(?:hypoglyc(?:a)?emi\w*|low (?:blood )?sugar|sugar (?:is |was )?low)\b")
THUNDERCLAP = term("thunderclap", r"\b(?:worst headache|worst (?:ha|h/a|head ?ache|head pain)(?: of (?:his |"
                                  r"her |my |their )?life)?|thunderclap|sudden(?:-onset| onset)? (?:severe |worst |"
                                  r"explosive )?headache|headache (?:that )?came on (?:suddenly|abruptly|all at once)|"
                                  r"explosive headache|headache (?:of )?sudden onset|abrupt(?:-| )onset (?:of )?(?:a )?"
                                  r"(?:severe )?headache|headache (?:that )?(?:began|started|came on) (?:abruptly|suddenly|"
                                  r"all at once)|(?:reaching|reached|peak\w*) (?:maximal |maximum |peak |full )?intensity "
                                  r"(?:with)?in (?:a |one |1 )?(?:minute|seconds))\b")
MENINGISM = term("meningism", r"\b(?:stiff neck|neck stiffness|nuchal rigidity|meningism\w*|meningitis|"
                              r"kernig|brudzinski|bulging fontanel\w*)\b")
PETECHIAE = term("petechiae", r"\b(?:non-?blanching|don't blanch|do not blanch|doesn't blanch|does not blanch|"
                              r"petechia\w*|purpur\w*|purple (?:spots|rash|blotches))\b")
HEADACHE = term("headache", r"\b(?:headaches?|migraines?|head pain|cephalgia|ha\b|h/a\b)")
DISSECTION = term("dissection", r"\b(?:tearing|ripping|aortic dissection|dissection|aaa\b|abdominal aortic aneurysm|"
                                r"pulsatile (?:abdominal )?mass)\b")
ARM_BP_DIFF = term("arm_bp_diff", r"\b(?:right|left) arm\b[^.;]{0,20}\d{2,3}\s*/\s*\d{2,3}[^.;]{0,20}\b(?:right|left) "
                                  r"arm\b|\b(?:bp|blood pressure|pulse) (?:differential|discrepancy|difference)\b")
PE_SIGN = term("pe_sign", r"\b(?:pulmonary embol\w*|pleuritic|hemoptysis|haemoptysis|coughing (?:up )?blood|"
                          r"sudden (?:onset )?(?:shortness of breath|sob|dyspnea|breathlessness))\b")
PE_RISK = term("pe_risk", r"\b(?:post-?partum|recent(?:ly)? (?:surgery|delivered|gave birth|c-section)|after (?:surgery|"
                          r"a long)|post-?op\w*|long[- ](?:flight|car ride|drive|trip|haul)|immobili[sz]\w*|"
                          r"(?:international|transatlantic|transpacific|overseas|cross-country) flight|(?:just |"
                          r"recently )?flew (?:back |home |in )?from|plane ride|"
                          r"birth control|oral contraceptives?|ocps?|estrogen|calf (?:pain|swelling|tenderness)|"
                          r"(?:leg|calf) swelling|swollen (?:leg|calf)|dvt|blood clots?|cancer|malignan\w*|weeks? "
                          r"(?:postpartum|after delivery))\b", historical=True)
COUGH = term("cough", r"\bcough\w*\b")
SOB = term("sob", r"\b(?:short(?:ness)? of breath|sob\b|doe\b|dyspn\w+|difficulty breathing|trouble breathing|"
                  r"breathless\w*|can't catch (?:his |her |my )?breath|winded|air hunger)\b")
CONFUSION = term("confusion", r"\b(?:confus\w*|disorient\w*|altered mental status|altered|\bams\b|not acting (?:right|"
                              r"like (?:him|her|them)self|normal)|acting (?:strange\w*|odd\w*|weird\w*|differently|"
                              r"bizarre\w*)|letharg\w*|somnolen\w*|drowsy|(?:unusually |very |more )?sleepy|hard to (?:wake|arouse|"
                              r"rouse)|difficult to "
                              r"(?:wake|arouse|rouse)|obtunded|delirious|delirium|listless|floppy|(?:is|was|appears|"
                              r"looks|seems|went) limp|limp and (?:grey|gray|pale|floppy|unresponsive|lethargic)|"
                              r"inconsolable|not making sense|slow to respond|not (?:himself|herself)|"
                              r"(?:new|acute) (?:confusion|disorientation))\b")
BASELINE = term("baseline", r"\b(?:at (?:his |her |their )?baseline|baseline dementia|chronically confused|"
                            r"(?:which|that) is (?:his |her |their )?(?:normal|baseline))\b", negatable=False)
WORSE_THAN_BASELINE = term("worse_than_baseline", r"\b(?:more|worse|increas\w*|new|than (?:usual|normal|baseline)|"
                                                  r"from (?:his |her |their )?baseline|acute\w*|sudden\w*)\b",
                           negatable=False)
SYNCOPE_RED = term("syncope_red", r"\b(?:exertion\w*|while (?:running|exercising|playing|jogging|swimming|walking|"
                                  r"climbing)|(?:up|climbing) (?:the |a flight of )?stairs|during "
                                  r"(?:exercise|exertion|sports?|a game|practice|a run)|chest pain|palpitation\w*|"
                                  r"short(?:ness)? of breath)\b")
SEIZURE = term("seizure", r"\b(?:seizures?|sz\b|seized|convuls\w*|post-?ictal|tonic-?clonic|shaking episode|fitting)\b")
FIRST_SEIZURE = term("first_seizure", r"\b(?:first(?:-time| ever| time)? seizure|new[- ]onset seizure|never had a "
                                      r"seizure|no (?:prior |previous )?(?:history of |hx of )?seizures?|"
                                      r"no seizure history)\b", negatable=False, historical=True)
VISION_THREAT = term("vision_threat", r"\b(?:(?:sudden|acute)(?:,? \w+){0,2} (?:loss of vision|vision loss|blindness|"
                                      r"blurred vision)|(?:lost|loss of) (?:vision|sight)|(?:vision|visual) loss|curtain (?:over|across|coming down)|chemical (?:splash|"
                                      r"burn|exposure) (?:to|in|into) (?:the |his |her |both )?eyes?|(?:bleach|acid|"
                                      r"alkali|lye|cleaner|chemical) (?:splashed )?(?:in|into) (?:the |his |her |both )?"
                                      r"eyes?|penetrating eye|globe (?:injury|rupture)|ruptured globe|acute angle|"
                                      r"halos(?: around lights)?|hyph(?:a)?ema)\b")
LIMB_ISCHEMIA = term("limb_ischemia", r"\b(?:(?:cold|pale|pulseless|mottled|blue|dusky)(?:,| and)? (?:(?:cold|pale|"
                                      r"pulseless|blue)(?:,| and)? )?(?:left |right )?" + _LIMB + r"|(?:absent|no|"
                                      r"weak|diminished|non-?palpable|cannot (?:find|palpate|feel)(?: a)?) (?:distal |"
                                      r"pedal |radial |dorsalis pedis |dp |pt |femoral |popliteal )?pulses? (?:in|to)"
                                      r"|(?:absent|non-?palpable) (?:distal |pedal |dorsalis pedis |dp |pt )pulses?|"
                                      r"|" + _LIMB + r" (?:is |are |feels |looks )?(?:cold|pale|blue|dusky|mottled|pulseless)(?:,| and|,? "
                                      r"with)+ (?:cold|pale|blue|dusky|mottled|numb|pulseless|no pulses?|absent pulses?)|"
                                      r"compartment syndrome|pain out of proportion|necroti[sz]ing|crepitus)\b")
AMPUTATION = term("amputation", r"\b(?:amputat\w*|severed|degloving|degloved)\b")
MAJOR_BURN = term("major_burn", r"\b(?:(?P<pct>\d{1,2})\s*%\s*(?:tbsa|bsa|body surface|of (?:his|her|the|their) "
                                r"body)|burns? (?:to|of|on) (?:the |his |her )?(?:face|neck|airway|genital\w*|"
                                r"perineum)|facial burns?|singed (?:nasal hairs?|eyebrows|facial hair)|soot (?:in|around)|"
                                r"inhalation injury|smoke inhalation|circumferential burns?|electrical (?:injury|burn|"
                                r"shock)|electrocut\w*|high[- ]voltage|lightning|house fire)\b")
ASSAULT_SEXUAL = term("sexual_assault", r"\b(?:sexual(?:ly)? assault\w*|raped|rape\b|sexual abuse)\b")
ABUSE = term("abuse", r"\b(?:non-?accidental|child abuse|elder abuse|suspected abuse|strangl\w*|choked by|"
                      r"hanging attempt)\b")
DIALYSIS = term("dialysis", r"\b(?:dialysis|hemodialysis|haemodialysis|esrd|end[- ]stage renal)\b", historical=True)
MISSED = term("missed", r"\bmissed\b")
HYPERKALEMIA = term("hyperkalemia", r"\b(?:hyperkal(?:a)?emi\w*|(?:potassium|k\+?) (?:level )?(?:of |is |was |=|:)?\s*"
                                    r"(?:[6-9](?:\.\d)?|high)\b)")
DISTRESS = term("distress", r"\b(?:writhing|doubled over|(?:can't|cannot|unable to) (?:sit|lie|stay|keep) still|"
                            r"pacing|restless|moaning|groaning|screaming|crying|tearful|rocking|diaphoretic|sweating|"
                            r"clutching|grimac\w*|in (?:severe|obvious|acute|significant|visible|extreme|marked) "
                            r"(?:distress|pain)|agoni[sz]\w*|hunched over|curled up|rolling around)\b")
SEVERE_PAIN_SIGN = term("severe_pain_sign", r"\b(?:writhing|doubled over|screaming (?:in|with|from) pain|rolling "
                                            r"around in pain|in (?:severe|extreme|excruciating) (?:distress|pain)|"
                                            r"excruciating|unbearable|agoni[sz]ing)\b")
SICKLE = term("sickle", r"\b(?:sickle cell|sickle|hbss|vaso-?occlusive)\b", historical=True)
PAIN_WORD = term("pain_word", r"\b(?:pain\w*|crisis|ache\w*|hurts?)\b")
PRIAPISM = term("priapism", r"\b(?:priapism|erection (?:lasting|for|x|>|over) ?\d+|(?:painful|persistent|"
                                r"prolonged) erection)\b")
CAUDA = term("cauda", r"\b(?:saddle (?:an(?:a)?esthesia|numbness)|numbness (?:in|around) (?:the )?(?:groin|perineum|"
                      r"buttocks|inner thighs)|(?:urinary|bowel|bladder) (?:incontinence|retention)|loss of (?:bladder|"
                      r"bowel) control|incontinen\w*|(?:both|bilateral) legs? (?:are )?(?:weak\w*|numb\w*)|(?:numbness|"
                      r"weakness|tingling) (?:in |of )?(?:both|bilateral) legs|(?:can't|cannot|unable to) (?:pee|"
                      r"urinate|void)|(?:new )?leg "
                      r"weakness|(?:can't|cannot|unable to) (?:move|feel) (?:his |her |their |both )?(?:legs|arms)|"
                      r"paraly[sz]\w*)\b")
BACK_PAIN = term("back_pain", r"\b(?:back (?:pain|ache)|backache|lumbar pain|(?:lower|upper|mid) back|"
                              r"pain in (?:the |his |her |my )?back|through to (?:the |his |her )?back)\b")
IVDU = term("ivdu", r"\b(?:ivdu|pwid|iv drug (?:use|user|abuse)|inject\w* (?:heroin|drugs|meth\w*|fentanyl|"
                    r"cocaine)|injection drug)\b",
            historical=True)
AIRWAY_THREAT = term("airway_threat", r"\b(?:drooling|(?:unable|can't|cannot) (?:to )?swallow (?:\w+ )?(?:saliva|"
                                      r"secretions|spit)|choking|muffled voice|hot potato voice|trismus|foreign body "
                                      r"(?:in|obstructing) (?:the )?airway)\b")
INFANT_RED = term("infant_red", r"\b(?:bilious|green (?:vomit\w*|emesis)|drawing (?:his |her |their )?legs up|"
                                r"currant jelly|intussuscep\w*|not waking(?: up)?(?: for feeds)?|bulging fontanel\w*|poor feeding|not feeding|"
                                r"refus\w* (?:to )?(?:feed|eat|bottle|breast)|won't (?:feed|eat|wake)|turned (?:blue|"
                                r"purple)|went limp|apparent life[- ]threatening|brue\b|alte\b)\b")
DEHYDRATION_SEVERE = term("dehydration_severe", r"\b(?:no wet diapers?|no urine (?:output|in)|sunken fontanel\w*|"
                                                r"no tears|sunken eyes|severely dehydrated|severe dehydration)\b")
HYPERTENSIVE_SYMPTOM = term("hypertensive_symptom", r"\b(?:severe headache|worst headache|chest pain|short(?:ness)? "
                                                    r"of breath|confus\w*|vision (?:loss|changes?)|blurr\w* vision|"
                                                    r"weakness|numbness|seizure)\b")
HIGH_RISK_WORD = term("high_risk_word", r"\b(?:ectopic|torsion|aortic dissection|pulmonary embol\w*|subarachnoid|"
                                        r"meningitis|epiglottitis|necrotizing fasciitis|cauda equina|"
                                        r"compartment syndrome|tension pneumothorax|pneumothorax|"
                                        r"placental abruption|abruption|pre-?eclampsia|eclampsia|"
                                        r"heat stroke|serotonin syndrome|neuroleptic malignant|"
                                        r"mesenteric ischemia|bowel perforation|free air|peritonitis|peritoneal signs|rigid (?:abdomen|belly)|"
                                        r"board[- ]like (?:abdomen|belly)|(?:abdomen|belly) (?:is )?rigid|acute abdomen|"
                                        r"carbon monoxide|co (?:poisoning|exposure|toxicity)|cyanide|"
                                        r"snake ?bite|bitten by a snake|rattle ?snake|copperhead|cottonmouth|"
                                        r"envenomation|black widow|scorpion sting|"
                                        r"ruptured (?:appendix|spleen|aneurysm)|stemi|status asthmaticus)\b")
POSTPARTUM = term("postpartum", r"\b(?:post-?partum|(?:days?|weeks?) after (?:delivery|giving birth|her c-section)|"
                                r"recently delivered|gave birth|(?:pp|postpartum|post-partum) day \d+|pod \d+ (?:after|from|s/p) "
                                r"(?:delivery|c-?section)|s/p (?:nsvd|svd|vaginal delivery|c-?section|delivery))\b",
                   historical=True)
ILL_APPEARING = term("ill_appearing", r"\b(?:ill[- ]appearing|toxic[- ]appearing|appears (?:acutely |very )?(?:ill|toxic|"
                                      r"septic)|looks (?:very |really )?(?:sick|unwell|septic|toxic))\b")
PREG_LATE_RED = term("preg_late_red", r"\b(?:vaginal bleeding|bleeding|abdominal pain|contractions|leaking fluid|"
                                      r"(?:water|waters) broke|decreased fetal movement|no fetal movement|headache|"
                                      r"visual (?:changes|disturbance)|seeing spots|seizure|swelling of (?:the )?"
                                      r"(?:face|hands))\b")

# ---------------------------------------------------------------------------------------------------------------
# Step D: paediatric fever qualifiers
# ---------------------------------------------------------------------------------------------------------------
NO_SOURCE = term("no_source", r"\b(?:no (?:obvious |clear |apparent |identifiable )?(?:source|focus)|without (?:an? )?"
                              r"(?:obvious |clear )?(?:source|focus)|unknown source|source unclear)\b",
                 negatable=False)
FEVER_SOURCE = term("fever_source", r"\b(?:ear (?:pain|ache|pulling|tugging|infection|discharge)|(?:pulling|tugging) (?:at )?"
                                    r"(?:his |her |their |the )?(?:left |right )?ears?|earache|"
                                    r"otitis|sore throat|runny nose|congestion|cough\w*|uri\b|cold symptoms|rash|"
                                    r"chickenpox|diarrh\w*|vomit\w*|dysuria|pharyngitis|tonsil\w*|strep|"
                                    r"hand,? foot)\b")
UNIMMUNISED = term("unimmunised", r"\b(?:(?:incomplete|behind on|missed|no|not up to date on|delayed) "
                                  r"(?:immuni[sz]ations?|vaccin\w*|shots)|(?:unimmuni[sz]ed|unvaccinated|not "
                                  r"(?:immuni[sz]ed|vaccinated))|(?:immuni[sz]ations?|vaccin\w*|shots) (?:are |were )?"
                                  r"(?:incomplete|not up to date|behind|delayed))\b", negatable=False)
