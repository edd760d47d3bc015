"""Curated word lists for `deid`: common personal names, places, and the clinical words that must never be taken
for a name or a place.

Kept apart from the matching code because they are data, reviewed and extended separately; every list is a
frozenset of exact, case-sensitive spellings as they appear capitalised in a narrative.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Common given names across the populations an English-language ED sees. A capitalised token found here is a
#: name unless it is also in AMBIGUOUS_WORDS (then only a stronger context, such as a title, makes it one).
FIRST_NAMES = _words(
    """
    Aaron Abdul Abdullah Abigail Abraham Adam Adele Adrian Adriana Ahmad Ahmed Aidan Aiden Aisha Alan Albert Alberto
    Alejandra Alejandro Alex Alexander Alexandra Alexis Alfonso Alfred Ali Alice Alicia Alina Alison Allison Alma
    Alvaro Amanda Amelia Amina Amir Amit Amy Ana Anastasia Andre Andrea Andreas Andrew Angel Angela Angelica Anil
    Anita Ann Anna Anne Annie Anthony Antoine Antonio Anya Arjun Arnold Arthur Arturo Ashley Ashok Asif Aubrey Audrey
    Ava Ayesha Barbara Beatriz Ben Benjamin Bernard Beth Betty Beverly Bianca Blanca Bobby Bonnie Brandon Brenda Brian
    Bridget Brittany Bruce Bryan Caleb Camila Carl Carla Carlos Carmen Carol Caroline Carolyn Carrie Catherine Cecilia
    Cesar Charles Charlotte Chen Cheryl Chloe Chris Christina Christine Christopher Cindy Claire Clara Claudia Clifford
    Colin Connor Craig Cristina Crystal Curtis Cynthia Daniel Daniela Danielle Danny Darius Darnell Darren David Dawit
    Debbie Deborah Debra Deepak Delia Denise Dennis Derek Devon Diana Diane Diego Dimitri Dmitri Dolores Dominic Donald
    Donna Doris Dorothy Douglas Dylan Eddie Edgar Eduardo Edward Edwin Eileen Elena Eli Elias Elijah Elizabeth Ella
    Ellen Emily Emma Emmanuel Enrique Eric Erica Erik Erin Ernesto Esperanza Esther Ethan Eugene Eva Evelyn Fatima
    Felipe Felix Fernando Fiona Francesca Francisco Gabriel Gabriela Gary George Gerald Gerardo Gina Giovanni Giuseppe
    Gloria Gordon Gregory Guadalupe Guillermo Gustavo Hannah Harold Harry Hassan Heidi Helen Henrik Henry Hiroshi Howard
    Hugo Hussein Ian Ibrahim Ignacio Igor Ingrid Irene Isaac Isabel Isabella Ivan Jacob Jacqueline Jake Jamal James
    Jamie Jane Janet Janice Jasmine Jason Javier Jeffrey Jennifer Jeremy Jerome Jesse Jessica Jesus Jill Joan Joanna
    Joel Johan John Johnny Jonathan Jorge Jose Joseph Josephine Joshua Joyce Juan Juana Judith Judy Julia Julian Julie
    Julio Justin Kai Karen Karim Katherine Kathleen Kathryn Katie Keisha Keith Kelly Kenji Kenneth Kevin Khalid Kim
    Kimberly Kofi Kristen Kwame Kyle Lakshmi Lars Latisha Laura Lauren Lawrence Leah Lee Leon Leonard Leticia Liam
    Lillian Linda Lisa Liu Lorenzo Lori Louis Lucas Lucia Luis Luisa Luke Lydia Madeline Maggie Malik Manuel Marcus
    Margaret Maria Mariana Marie Marilyn Mario Marisol Marta Martha Martin Mary Mateo Matthew Maureen Megan Mehmet
    Melissa Mia Michael Michelle Miguel Mikhail Min Mohamed Mohammad Mohammed Monica Muhammad Nadia Nancy Naomi Natalia
    Natalie Nathan Nicholas Nicole Nikolai Nina Noah Nora Norma Nicolas Olga Olivia Omar Oscar Pablo Pamela Patricia
    Patrick Paul Paula Pedro Peter Philip Phyllis Pierre Pooja Priya Rachel Rafael Rahul Raj Rajesh Ramon Randy Raquel
    Raul Rebecca Reggie Renee Ricardo Richard Rita Robert Roberto Rodrigo Roger Ronald Rosa Rosalind Ruth Ryan Sadie
    Samantha Samuel Sandra Sanjay Santiago Sara Sarah Scott Sean Sebastian Sergei Sergio Shanice Shannon Sharon Shawn
    Sheila Shirley Silvia Simon Sofia Sonia Sophia Stephanie Stephen Steven Sunil Susan Suzanne Tamara Tanya Teresa
    Terrence Thomas Tiffany Timothy Tina Tobias Todd Tomas Tommy Tony Tracy Travis Trevor Tyler Tyrone Ursula Valentina
    Valerie Vanessa Veronica Victor Victoria Vikram Vincent Virginia Vivian Walter Wanda Wayne Wei Wendy William Xavier
    Yan Yasmin Yolanda Yusuf Yuki Yvonne Zachary Zainab Zhang Zoe
    """
)

#: Common family names. Same rule as FIRST_NAMES; eponyms among them (Murphy, Jones, Smith...) are kept here but
#: protected by EPONYM_CONTEXT ("Murphy's sign", "Jones fracture").
SURNAMES = _words(
    """
    Abbott Acosta Adams Aguilar Ahmed Ali Allen Alvarez Anderson Andrews Asante Bailey Baker Banerjee Barnes Becker
    Bennett Berg Bishop Blake Brooks Brown Bryant Burke Butler Campbell Carter Castillo Castro Chan Chang Chavez Chen
    Cho Choi Clark Coleman Collins Cooper Cruz Cunningham Das Davis Diaz Dixon Dubois Duncan Edwards Evans Fernandez
    Fischer Fisher Flores Ford Foster Fox Francis Freeman Garcia Gomez Gonzales Gonzalez Gordon Graham Grant Greenberg
    Griffin Gupta Gutierrez Hall Hamilton Harper Harris Hayes Henderson Hernandez Herrera Hoffman Howard Hughes Hunt
    Ibrahim Jackson James Jenkins Jensen Jimenez Johnson Jones Jordan Kapoor Kaur Kelly Kennedy Khan Kim Kowalski
    Kumar Larsen Lee Lewis Li Lin Liu Lopez Marshall Martin Martinez Mendez Mendoza Meyer Miller Mitchell Mohammed
    Moore Morales Moreno Morgan Morris Murphy Murray Myers Narayanan Nelson Nguyen Novak Obi Okafor Okonkwo Olsen
    Ortiz Owens Park Patel Perez Perry Peterson Phillips Powell Ramirez Ramos Reddy Reyes Reynolds Richardson Rivera
    Roberts Robinson Rodriguez Rogers Romero Ross Ruiz Russo Sanchez Sanders Schmidt Schneider Scott Shah Sharma Silva
    Simmons Singh Smith Soto Stewart Sullivan Tanaka Taylor Thomas Thompson Torres Tran Turner Vargas Vasquez Walker
    Wang Ward Washington Watson Weber Wilson Wong Wright Wu Yamamoto Yang Young Zhang Zhao
    """
)

#: Names that are also ordinary or clinical English words ("Frank blood", "Grace score", "Will", "Rocky Mountain
#: spotted fever"). Never taken as names from the lexicon alone.
AMBIGUOUS_WORDS = _words(
    """
    Will May June April August Grace Hope Faith Joy Rose Mark Bill Pat Sue Art Hunter Page Chase Dawn Summer Autumn
    Crystal Ruby Amber Jade Iris Ivy Olive Violet Daisy Heather Holly Robin Wade Lane Gene Guy Ray Rich Sterling Major
    King Young Love Bell Brown White Green Black Gray Grey Long Short Little Price Cash Stone Wood Hill Banks Hart
    Street Cook Frank Mercy Christian Rocky Sonny Ace Allegra Jordan Austin Madison Jackson Lincoln Chance Carter
    Miller Mason Cole Fox Ford Francis James Thomas Lee Kim Min Yan Wei Kelly Martin Gordon Howard Dixon Hunt Grant
    Ward Ross Perry Powell Bishop Butler Burke Owens Marshall Berg Park Singh Kaur Das Li Lin Wu Chang Turner Duncan
    """
)

#: Surnames of physicians who named signs, diseases, scores and devices. Never a name on their own; a title
#: ("Dr. Murphy") still makes them one.
EPONYMS = _words(
    """
    Addison Alzheimer Apgar Apley Argyll Asperger Babinski Baker Barlow Bartholin Battle Bazett Beck Bell Bennett
    Boerhaave Braden Broca Brudzinski Brugada Burkitt Centor Chagas Chance Charcot Cheyne Chvostek Colles Conn Coombs
    Corrigan Courvoisier Crohn Cullen Cushing Doppler Down Dupuytren Ehlers Epley Ewing Fallot Finkelstein Foley
    Fournier Gilbert Glasgow Graves Guillain Hallpike Hamman Hashimoto Heimlich Henoch Hirschsprung Hodgkin Hoffmann
    Holter Homan Homans Horner Huntington Jones Kaposi Kawasaki Kehr Kernig Killip Kocher Korsakoff Kussmaul Lachman
    Legg Levine Lhermitte Lisfranc Ludwig Lyme Macintosh Mallampati Mallory Marfan McBurney McMurray Meckel Meniere
    Miller Mobitz Monteggia Munchausen Murphy Osgood Osler Paget Parkinson Parkland Perthes Peyronie Phalen Pott
    Raynaud Reye Rinne Romberg Rovsing Salter Sengstaken Sgarbossa Sjogren Smith Snellen Stevens Still Swan Tanner
    Tinel Todd Tourette Trendelenburg Trousseau Turner Valsalva Virchow Wallenberg Weber Wellens Wells Wenckebach
    Wernicke Whipple Wilms Wilson Wolff Yankauer Zollinger Ottawa Canadian Denver Rochester Boston Philadelphia
    Cincinnati Westley Ranson Rockall Alvarado Curb Nexus Perc Heart Timi Caprini Geneva Padua Khorana
    """
)

#: Words that, following an eponym, show it is one: "Murphy's sign", "Jones fracture", "Ottawa rules".
EPONYM_CONTEXT = _words(
    """
    sign signs syndrome disease test tests score scale criteria rule rules fracture palsy reflex maneuver manoeuvre
    phenomenon triad pentad node nodes law classification catheter tube procedure technique position blade formula
    ulcer cyst contracture disorder tumor tumour lymphoma sarcoma angina gangrene paralysis respiration breathing
    block type types stroke stage stages pattern waves wave monitor diverticulum esophagus tear tears lesion lesions
    dementia chorea encephalopathy shunt method
    """
)

#: Capitalised words that open sentences or name clinical things; context rules ("Patient X", "wife X",
#: "X, RN") must never take them for names, and place rules never for towns.
STOPWORDS = _words(
    """
    A An The This That These Those He She They His Her Hers Him Their Them It Its We Our I You Your Who Whom Which
    What When Where Why How Is Was Were Are Be Been Has Had Have Having Do Does Did Not No Yes None Nil Unknown And Or
    But If Then Than So As At On In Into From To For Of By With Without Since Until Upon Over Under After Before
    During Per Via About Around Also Only Now Today Tonight Yesterday Tomorrow Morning Afternoon Evening Night Noon
    Midnight Patient Patients Pt Pts Client Resident Residents Triage Nurse Nurses Doctor Physician Provider Attending
    Paramedic Paramedics Medic Medics EMS EMT Police Officer Staff Team Family Mother Father Mom Dad Wife Husband Son
    Daughter Brother Sister Partner Spouse Friend Neighbor Neighbour Caregiver Guardian Parent Parents Child Children
    Boy Girl Man Woman Male Female Infant Baby Toddler Adult Elderly Teen Teenager Adolescent Student Registration
    Contact Emergency Department Hospital Clinic Home Care Urgent Primary Medical Surgical Intensive Unit Room Bed
    Ward Floor ICU ED ER OR PACU Practitioner Assistant Technician Tech Chest Pain Abdominal Abdomen Head Headache
    Back Neck Leg Arm Hand Foot Eye Ear Throat Fever Cough Vomiting Nausea Diarrhea Bleeding Fall Fell Injury Trauma
    Syncope Seizure Stroke Sepsis Shock Asthma Diabetes Diabetic History Hx Past Medical Surgical Social Allergies
    Allergy Medications Medication Meds Vitals Vital Signs Sign Exam Assessment Plan Impression Diagnosis Dx Chief
    Complaint Reports Reported Reporting Report States Stated Says Said Denies Denied Endorses Endorsed Complains
    Presents Presented Presenting Arrives Arrived Arriving Brought Found Called Came Walked Transferred Transfer
    Referred Seen Noted Notes Describes Described Admits Admitted Discharged Returns Returned Awake Alert Oriented
    Confused Lethargic Unresponsive Responsive Ambulatory Stable Unstable Anxious Calm Agitated Cooperative Pale
    Diaphoretic Acute Chronic Severe Mild Moderate New Old Recent Prior Previous Sudden Worst Right Left Bilateral
    Upper Lower Anterior Posterior Lateral Medial General Normal Abnormal Positive Negative Unable Able Please Thanks
    Thank Given Started Placed Gave Got Took Taking Takes Ongoing Continued Continues Last First Second Third Next
    Here There Sent Needs Need Requested Requests Declined Refused Left Signed Dictated Reviewed Electronically
    Note Nursing Triage Level ESI Acuity Category Score Scale Criteria Rule Rules Care Center Centre Health Services
    Service Regional Community County General University State National Memorial Saint St Mount Mt North South East
    West Central Street Avenue Road Drive Lane Court Way Place Boulevard Highway Apt Apartment Unit Suite Name Names
    Age Aged Sex Gender Date Time DOB MRN SSN ID Phone Fax Email Address Insurance Account Policy Member Number
    Christmas Thanksgiving Easter Halloween Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
    March April May June July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov
    Dec Lasix Tylenol Motrin Advil Aleve Narcan Zofran Keppra Ativan Versed Toradol Norco Percocet Vicodin Plavix
    Lipitor Eliquis Xarelto Coumadin Flomax Ambien Xanax Valium Benadryl Epipen EpiPen Albuterol Ventolin Proventil
    Solumedrol Decadron Rocephin Zosyn Vancomycin Heparin Insulin Lantus Humalog Metformin Aspirin Nitro
    Nitroglycerin Morphine Fentanyl Dilaudid Ketamine Propofol Haldol Geodon Zyprexa Seroquel Prozac Zoloft Lexapro
    Suboxone Methadone Naloxone Adenosine Amiodarone Atropine Epinephrine Dopamine Cardizem Digoxin Glucagon D50
    COVID Covid Flu Influenza RSV HIV AIDS Hepatitis English Spanish Interpreter Caucasian Hispanic Latino Latina
    Black White Asian African American Native Jehovah Jewish Muslim Catholic Christian Hindu Buddhist Protestant
    Assisted Living Skilled Senior Rehab Rehabilitation Behavioral Psychiatric Mental Telehealth Portal Kiosk
    Dispatch Scene Mr Mrs Ms Mx Miss Dr Prof Rev Sr Jr Capt Officer Judge Sir Madam Roommate Grandson Granddaughter
    Grandmother Grandfather Grandma Grandpa Boyfriend Girlfriend Fiance Fiancee Aunt Uncle Niece Nephew Cousin
    Stepmother Stepfather Stepson Stepdaughter Coworker Colleague Boss Employer Landlord Teacher Coach Interpreter
    Carer Pediatric Paediatric Ambulance Driver Passenger Pedestrian Website Case Poison Control Epic Spouse
    """
)

#: Cities and boroughs big enough to be named in a narrative; a geographic unit smaller than a state, so
#: Safe Harbor removes it. Ambiguous ones (Mobile, Buffalo, Phoenix, Aurora, Orange, Jackson...) are left out:
#: context rules ("lives in X", "X, ST") still catch them.
CITIES = _words(
    """
    Albuquerque Anaheim Anchorage Arlington Atlanta Bakersfield Baltimore Baton Birmingham Boise Bronx Brooklyn Chandler
    Charlotte Chesapeake Chicago Chula Cleveland Dallas Dayton Detroit Durham Fontana Fremont Fresno Glendale Greensboro
    Henderson Hialeah Honolulu Houston Indianapolis Irvine Jacksonville Jersey Laredo Lubbock Louisville Manhattan
    Memphis Mesa Miami Milwaukee Minneapolis Nashville Newark Norfolk Oakland Omaha Orlando Pittsburgh Plano Portland
    Queens Raleigh Richmond Riverside Sacramento Seattle Spokane Stockton Tacoma Tampa Toledo Tucson Tulsa Wichita
    Yonkers Scottsdale Gilbert Durango Savannah Hartford Providence Worcester Springfield Cambridge Somerville Berkeley
    Pasadena Sunnyvale Modesto Oxnard Fayetteville Knoxville Chattanooga Lexington Cincinnati Columbus Akron Buffalo
    Albany Syracuse Rochester Allentown Harrisburg Trenton Camden Paterson Bridgeport Stamford Wilmington Annapolis
    Alexandria Arlington Atlantic Charleston Greenville Asheville Tallahassee Gainesville Pensacola Mobile Montgomery
    Shreveport Jackson Little Tulsa Amarillo Lubbock Odessa Reno Spokane Boulder Eugene Salem Olympia Juneau Fairbanks
    """
) - _words("Gilbert Cincinnati Rochester Boston Mobile Jackson Little Atlantic Salem Eugene Reno Buffalo Columbus")

#: US states (full names and postal codes). A state is not removed (Safe Harbor keeps it), but it marks the town
#: before it ("Dayton, OH") and the ZIP code after it.
STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|"
    "Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|"
    "Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|"
    "Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|"
    "West Virginia|Wisconsin|Wyoming"
)
#: Postal codes that are never also clinical abbreviations.
STATE_CODES_SAFE = (
    "AK|AZ|AR|CA|CT|FL|GA|IL|IA|KS|KY|MI|MN|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|RI|SC|SD|TN|TX|UT|VT|WA|WV|WI|WY|DC"
)
#: Postal codes that are also clinical or everyday abbreviations (MD, PA, MS, OR...): a town before them is only
#: taken when a ZIP code follows.
STATE_CODES_AMBIGUOUS = "AL|CO|DE|HI|ID|IN|LA|ME|MD|MA|MO|MS|OK|OR|PA|VA"
