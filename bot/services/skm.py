"""The Survei Kepuasan Masyarakat (SKM): its nine elements, its questionnaire and its scoring.

Source: Peraturan Menteri PANRB Nomor 14 Tahun 2017 tentang Pedoman Penyusunan Survei Kepuasan Masyarakat Unit
Penyelenggara Pelayanan Publik ("the regulation"). Pasal 1 ayat (1): a public service runs the SKM regularly, at
least once a year; ayat (2): following the guideline in its Lampiran. What this module takes from the Lampiran:

- the nine elements (*unsur*), from its scope of the survey (*ruang lingkup*, huruf a to i), in that order;
- each element's question and its four answers, valued 1 to 4, from its sample questionnaire (*contoh
  kuesioner*), put to the resident as "Anda" where the questionnaire says "Saudara". The questionnaire asks about
  the facilities (sarana dan prasarana) eighth and the complaints ninth; the order changes nothing in the score;
- the scoring, from its data processing (*pengolahan data*): each element's average (NRR, nilai rata-rata) is
  the total of its answers divided by the number of answers it got (*total dari nilai persepsi per unsur / total
  unsur yang terisi*); every element weighs the same, 1/9 (*bobot nilai rata-rata tertimbang = jumlah bobot /
  jumlah unsur*, the weights adding up to 1); the index (IKM, 1 to 4) is the sum of the weighted averages (NRR
  tertimbang); and the index times 25 is the converted index (25 to 100) that is reported;
- the quality grades, from its table of *nilai persepsi, nilai interval (NI), nilai interval konversi (NIK),
  mutu pelayanan dan kinerja unit pelayanan*:
      NI 1,00-2,5996   NIK 25,00-64,99    D  Tidak Baik
      NI 2,60-3,064    NIK 65,00-76,60    C  Kurang Baik
      NI 3,0644-3,532  NIK 76,61-88,30    B  Baik
      NI 3,5324-4,00   NIK 88,31-100,00   A  Sangat Baik

Where the copies we read differ, and what we chose:
- 3,064 against 3,0644 (and 2,5996 against 2,60, 3,532 against 3,5324) is no disagreement between sources but
  the table itself: its NI column is its NIK column divided by 25 (76,60 / 25 = 3,064; 76,61 / 25 = 3,0644), and
  on the 1-4 scale that leaves gaps (an index of 3,0642 is in no interval). On the converted scale, at the table's
  two decimals, the intervals meet. So we grade the converted index rounded half up to two decimals: 76,605 is
  76,61, grade B. One copy prints C as "65,00 - 76,66"; the others, and 3,064 x 25, say 76,60, which we follow.
- Published worked examples multiply each NRR by 0,111, the rounded 1/9. We weigh by 1/9 exactly (in fractions):
  with 0,111 residents who all answer 4 would score 99,9 instead of the table's 100.
- The regulation sets no minimum number of respondents: it sizes the sample from the number of service users
  with the Krejcie and Morgan table. We have no such number for a program's followers, so the project's own
  threshold applies (MIN_CONTRIBUTORS, 5, as on the public page): below it `enough_respondents` is False and a
  public figure must say "belum cukup data".
- An element nobody answered has no NRR and is left out; the others then weigh 1/k each (k elements answered),
  so the weights still add up to 1. The regulation assumes every element answered: this is our rule, and
  `unanswered` names the elements it left out.

We read the regulation through copies of its text and through regional SKM reports and questionnaires that
reproduce its Lampiran, not through the official PDF. What we could not read in them: the chapter numbers of
the Lampiran's parts, the rounding of its own worked example, and the answers of the complaints question, which
we give as we recall the questionnaire has them (tidak ada / ada tetapi tidak berfungsi / berfungsi kurang
maksimal / dikelola dengan baik): check them against the official text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from bot.i18n import N_
from bot.services.public_figures import MIN_CONTRIBUTORS

SCALE = (1, 2, 3, 4)
CONVERSION = 25  # the Lampiran's nilai dasar: IKM x 25
NRR_PLACES = Decimal("0.0001")  # the NI column's precision
INDEX_PLACES = Decimal("0.01")  # the NIK column's precision


@dataclass(frozen=True, slots=True)
class Element:
    code: str
    name: str  # msgid: the regulation's name of the unsur
    question: str  # msgid with {program}
    labels: tuple[str, str, str, str]  # msgids of the answers valued 1, 2, 3 and 4


# NOTE: the names of the nine SKM elements are the regulation's own terms (PermenPANRB 14/2017): keep them.
ELEMENTS: tuple[Element, ...] = (
    Element("persyaratan", N_("Requirements"),
            N_("How well do the requirements of {program} fit the service itself?"),
            (N_("Not suitable"), N_("Not quite suitable"), N_("Suitable"), N_("Very suitable"))),
    Element("prosedur", N_("Systems, mechanisms and procedures"),
            N_("How easy is the procedure of {program} to understand and follow?"),
            (N_("Not easy"), N_("Not quite easy"), N_("Easy"), N_("Very easy"))),
    Element("waktu", N_("Completion time"),
            N_("How fast is the service of {program} delivered?"),
            (N_("Not fast"), N_("Not quite fast"), N_("Fast"), N_("Very fast"))),
    Element("biaya", N_("Cost/tariff"),
            N_("How fair is the cost or tariff of {program}?"),
            (N_("Very expensive"), N_("Rather expensive"), N_("Inexpensive"), N_("Free of charge"))),
    Element("produk", N_("Product specification of the type of service"),
            N_("Does what you received from {program} match what its service standard promises?"),
            (N_("Not suitable"), N_("Not quite suitable"), N_("Suitable"), N_("Very suitable"))),
    Element("kompetensi", N_("Competence of the staff"),
            N_("How competent are the staff who serve you in {program}?"),
            (N_("Not competent"), N_("Not quite competent"), N_("Competent"), N_("Very competent"))),
    Element("perilaku", N_("Conduct of the staff"),
            N_("How polite and friendly are the staff of {program}?"),
            (N_("Not polite or friendly"), N_("Not quite polite and friendly"), N_("Polite and friendly"),
             N_("Very polite and friendly"))),
    Element("pengaduan", N_("Handling of complaints, suggestions and feedback"),
            N_("How are the complaints of the users of {program} handled?"),
            (N_("There is none"), N_("Exists but does not work"), N_("Works, not fully"), N_("Well managed"))),
    Element("sarana", N_("Facilities and infrastructure"),
            N_("How good are the facilities and infrastructure of {program}?"),
            (N_("Poor"), N_("Fair"), N_("Good"), N_("Very good"))),
)
BY_CODE: dict[str, Element] = {element.code: element for element in ELEMENTS}

# NOTE: SKM quality grades (mutu pelayanan) of PermenPANRB 14/2017: Sangat Baik, Baik, Kurang Baik, Tidak Baik.
GRADES: tuple[tuple[Decimal, str, str], ...] = (  # (lowest converted index, letter, words), best first
    (Decimal("88.31"), "A", N_("Very good")),
    (Decimal("76.61"), "B", N_("Good")),
    (Decimal("65.00"), "C", N_("Not quite good")),
    (Decimal("25.00"), "D", N_("Not good")),
)


@dataclass(frozen=True, slots=True)
class ElementScore:
    code: str
    answers: int  # how many answered it (skips excluded)
    total: int  # the sum of their answers
    nrr: Decimal | None  # total / answers, to 4 places; None when nobody answered
    weighted: Decimal | None  # NRR tertimbang: nrr x the weight, to 4 places


@dataclass(frozen=True, slots=True)
class SkmResult:
    elements: tuple[ElementScore, ...]  # in the order of ELEMENTS
    weight: Fraction | None  # each answered element's weight: 1/9, or 1/k when some went unanswered
    ikm: Decimal | None  # the index, 1-4, to 4 places (the sum of the exact weighted averages)
    index: Decimal | None  # the converted index, 25-100, rounded half up to 2 places
    grade: str | None  # A, B, C or D
    grade_words: str | None  # msgid: translate it where the reader's language is known
    respondents: int
    enough_respondents: bool
    unanswered: tuple[str, ...] = field(default=())  # codes of the elements nobody answered


def grade_of(index: Decimal) -> tuple[str, str]:
    """The letter and words of a converted index (25-100, two places) by the Lampiran's NIK table."""
    if not Decimal(25) <= index <= Decimal(100):
        raise ValueError(f"a converted SKM index is between 25 and 100, not {index}")
    for lowest, letter, words in GRADES:
        if index >= lowest:
            return letter, words
    raise AssertionError("unreachable: the lowest grade starts at 25")


def _decimal(value: Fraction, places: Decimal) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(places, rounding=ROUND_HALF_UP)


def score(answers: Mapping[str, Sequence[int]], respondents: int | None = None) -> SkmResult:
    """Score an SKM from each element's answers (1-4; a skipped question is simply not in the list).

    `answers` maps an element's code to its answers; a code left out counts as an element nobody answered.
    `respondents` is the number of distinct residents who answered at least one question, when the caller knows
    it; otherwise the most answers any element got (each resident answers an element once), which is the fewest
    residents the answers can come from.
    """
    unknown = sorted(set(answers) - set(BY_CODE))
    if unknown:
        raise ValueError(f"not SKM elements: {', '.join(unknown)}")
    for code, values in answers.items():
        for value in values:
            if type(value) is not int or value not in SCALE:
                raise ValueError(f"an SKM answer is 1, 2, 3 or 4; {code} has {value!r}")
    counted = [(element.code, len(answers.get(element.code, ())), sum(answers.get(element.code, ())))
               for element in ELEMENTS]
    nrrs = {code: Fraction(total, n) for code, n, total in counted if n}
    weight = Fraction(1, len(nrrs)) if nrrs else None
    elements = tuple(
        ElementScore(code, n, total,
                     _decimal(nrrs[code], NRR_PLACES) if n else None,
                     _decimal(nrrs[code] * weight, NRR_PLACES) if n and weight is not None else None)
        for code, n, total in counted)
    most = max((n for _, n, _ in counted), default=0)
    count = most if respondents is None else respondents
    if count < most:
        raise ValueError(f"{count} respondents cannot have given {most} answers to one question")
    ikm = sum((nrr * weight for nrr in nrrs.values()), Fraction(0)) if weight is not None else None
    index = _decimal(ikm * CONVERSION, INDEX_PLACES) if ikm is not None else None
    letter, words = grade_of(index) if index is not None else (None, None)
    return SkmResult(
        elements=elements, weight=weight,
        ikm=_decimal(ikm, NRR_PLACES) if ikm is not None else None, index=index,
        grade=letter, grade_words=words, respondents=count,
        enough_respondents=count >= MIN_CONTRIBUTORS,
        unanswered=tuple(code for code, n, _ in counted if not n))


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """One SKM question as a survey engine can take it: a four-point scale, its answers in order (value 1 first).

    `text` and `options` are msgids: translate them for the resident, then put the program's name into the text
    (`text_for`). The name is the program's own and is not escaped here: escape it as any text sent as HTML.
    """

    code: str
    kind: str  # "scale4": four choices valued 1, 2, 3, 4
    text: str
    options: tuple[str, str, str, str]
    values: tuple[int, int, int, int]
    program: str

    def text_for(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.text).format(program=self.program)


def template(program_name: str) -> list[QuestionSpec]:
    """The nine SKM questions about one program, in the order of the regulation's elements."""
    return [QuestionSpec(code=element.code, kind="scale4", text=element.question, options=element.labels,
                         values=(1, 2, 3, 4), program=program_name)
            for element in ELEMENTS]
