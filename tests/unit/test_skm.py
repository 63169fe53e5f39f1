"""The SKM scoring of PermenPANRB 14/2017 (Pedoman Penyusunan Survei Kepuasan Masyarakat), checked by hand.

The rules under test are the regulation's Lampiran: the nine elements of its scope (ruang lingkup, huruf a-i)
and the answers of its sample questionnaire (contoh kuesioner); its data processing (pengolahan data): NRR per
element = the total of its answers / the answers it got, every element weighing 1/9, IKM = the sum of the
weighted NRRs, converted index = IKM x 25; and its table of nilai interval konversi and mutu pelayanan:
A 88,31-100,00 Sangat Baik, B 76,61-88,30 Baik, C 65,00-76,60 Kurang Baik, D 25,00-64,99 Tidak Baik.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from bot.i18n import I18n
from bot.services import skm
from bot.services.public_figures import MIN_CONTRIBUTORS

CODES = [element.code for element in skm.ELEMENTS]

# Six residents. waktu: the sixth skipped it; pengaduan: the fifth and sixth skipped it.
FIXTURE = {
    "persyaratan": [4, 3, 3, 4, 3, 2],  # 19 / 6 = 3.16667
    "prosedur": [3, 3, 4, 4, 3, 3],  # 20 / 6 = 3.33333
    "waktu": [2, 3, 3, 2, 3],  # 13 / 5 = 2.6
    "biaya": [4, 4, 4, 4, 4, 3],  # 23 / 6 = 3.83333
    "produk": [3, 3, 3, 3, 3, 3],  # 18 / 6 = 3
    "kompetensi": [4, 3, 4, 3, 4, 3],  # 21 / 6 = 3.5
    "perilaku": [4, 4, 3, 4, 4, 4],  # 23 / 6 = 3.83333
    "pengaduan": [2, 2, 3, 1],  # 8 / 4 = 2
    "sarana": [3, 3, 2, 3, 3, 3],  # 17 / 6 = 2.83333
}


def same(value: int, n: int) -> dict[str, list[int]]:
    return {code: [value] * n for code in CODES}


def mix(high: int, low: int, n_high: int, n_low: int) -> dict[str, list[int]]:
    """Every element answered n_high times `high` and n_low times `low`: each NRR, and so the IKM, is the mean."""
    return {code: [high] * n_high + [low] * n_low for code in CODES}


def test_the_nine_elements_and_their_answers_are_the_regulations() -> None:
    t = I18n("id").get("id")
    assert [t.gettext(element.name) for element in skm.ELEMENTS] == [
        "Persyaratan", "Sistem, Mekanisme, dan Prosedur", "Waktu Penyelesaian", "Biaya/Tarif",
        "Produk Spesifikasi Jenis Pelayanan", "Kompetensi Pelaksana", "Perilaku Pelaksana",
        "Penanganan Pengaduan, Saran dan Masukan", "Sarana dan Prasarana"]
    labels = {element.code: [t.gettext(label) for label in element.labels] for element in skm.ELEMENTS}
    assert labels["persyaratan"] == ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]
    assert labels["biaya"] == ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]
    assert labels["sarana"] == ["Buruk", "Cukup", "Baik", "Sangat Baik"]
    assert [t.gettext(words) for _, _, words in skm.GRADES] == ["Sangat Baik", "Baik", "Kurang Baik", "Tidak Baik"]
    for element in skm.ELEMENTS:  # short enough for a row of Telegram buttons, and all translated
        assert all(len(t.gettext(label)) <= 30 and t.gettext(label) != label for label in element.labels)


def test_fixture_scores_as_computed_by_hand() -> None:
    """Lampiran, pengolahan data: NRR per unsur, NRR tertimbang (x 1/9), IKM, IKM x 25; the grade from its table.

    Sum of the nine NRRs, exactly: (19 + 20 + 23 + 18 + 21 + 23 + 17) / 6 + 13/5 + 8/4 = 141/6 + 2.6 + 2 = 28.1
    IKM = 28.1 x 1/9 = 3.12222...            -> 3.1222
    converted = 28.1 x 25 / 9 = 78.0555...   -> 78.06, in 76.61-88.30: B, Baik
    (with the printed weight 0.111: 28.1 x 0.111 x 25 = 77.98, also B)
    """
    result = skm.score(FIXTURE)
    assert result.weight == Fraction(1, 9)
    nrr = {e.code: e.nrr for e in result.elements}
    assert nrr == {"persyaratan": Decimal("3.1667"), "prosedur": Decimal("3.3333"), "waktu": Decimal("2.6000"),
                   "biaya": Decimal("3.8333"), "produk": Decimal("3.0000"), "kompetensi": Decimal("3.5000"),
                   "perilaku": Decimal("3.8333"), "pengaduan": Decimal("2.0000"), "sarana": Decimal("2.8333")}
    by_code = {e.code: e for e in result.elements}
    assert (by_code["waktu"].answers, by_code["waktu"].total) == (5, 13)
    assert by_code["persyaratan"].weighted == Decimal("0.3519")  # 19/6 x 1/9 = 19/54 = 0.351851...
    assert by_code["pengaduan"].weighted == Decimal("0.2222")  # 2 x 1/9
    assert result.ikm == Decimal("3.1222")
    assert result.index == Decimal("78.06")
    assert (result.grade, result.grade_words) == ("B", "Good")
    assert result.respondents == 6 and result.enough_respondents and result.unanswered == ()


def test_an_element_nobody_answered_is_left_out_and_the_others_weigh_one_eighth() -> None:
    """Without pengaduan: the eight NRRs add up to 28.1 - 2 = 26.1; IKM = 26.1 / 8 = 3.2625; x 25 = 81.5625 -> 81.56, B."""
    answers = {code: values for code, values in FIXTURE.items() if code != "pengaduan"}
    result = skm.score(answers)
    assert result.unanswered == ("pengaduan",)
    assert result.weight == Fraction(1, 8)
    gone = next(e for e in result.elements if e.code == "pengaduan")
    assert (gone.answers, gone.nrr, gone.weighted) == (0, None, None)
    assert result.ikm == Decimal("3.2625") and result.index == Decimal("81.56") and result.grade == "B"
    assert skm.score({**answers, "pengaduan": []}) == result  # an empty list is the same as none


def test_nobody_answered_anything() -> None:
    result = skm.score({})
    assert result.ikm is None and result.index is None and result.grade is None and result.grade_words is None
    assert result.respondents == 0 and not result.enough_respondents and result.unanswered == tuple(CODES)


@pytest.mark.parametrize(("answers", "index", "grade"), [
    (same(1, 1), "25.00", "D"),  # the lowest possible
    (mix(3, 2, 1499, 1001), "64.99", "D"),  # IKM (1499 x 3 + 1001 x 2) / 2500 = 6499/2500 = 2.5996; x 25 = 64.99
    (mix(3, 2, 3, 2), "65.00", "C"),  # (9 + 4) / 5 = 2.6; x 25 = 65.00
    (mix(4, 3, 8, 117), "76.60", "C"),  # (32 + 351) / 125 = 3.064; x 25 = 76.60
    (mix(4, 3, 1604, 23396), "76.60", "C"),  # 76604/25000 = 3.06416; x 25 = 76.604, rounds down to 76.60
    (mix(4, 3, 321, 4679), "76.61", "B"),  # 15321/5000 = 3.0642 (in no NI interval); x 25 = 76.605, rounds up
    (mix(4, 3, 161, 2339), "76.61", "B"),  # 7661/2500 = 3.0644; x 25 = 76.61
    (mix(4, 3, 133, 117), "88.30", "B"),  # (532 + 351) / 250 = 3.532; x 25 = 88.30
    (mix(4, 3, 1331, 1169), "88.31", "A"),  # 8831/2500 = 3.5324; x 25 = 88.31
    (same(4, 5), "100.00", "A"),  # the highest possible: 4 x 25, which a weight of 0.111 would make 99.90
])
def test_grade_boundaries_of_the_nilai_interval_konversi_table(answers: dict[str, list[int]], index: str,
                                                               grade: str) -> None:
    result = skm.score(answers)
    assert (result.index, result.grade) == (Decimal(index), grade)


def test_grade_of_just_below_and_above_each_edge() -> None:
    for below, above, low, high in (("64.99", "65.00", "D", "C"), ("76.60", "76.61", "C", "B"),
                                    ("88.30", "88.31", "B", "A")):
        assert skm.grade_of(Decimal(below))[0] == low and skm.grade_of(Decimal(above))[0] == high
    with pytest.raises(ValueError):
        skm.grade_of(Decimal("24.99"))
    with pytest.raises(ValueError):
        skm.grade_of(Decimal("100.01"))


def test_too_few_respondents_is_flagged() -> None:
    assert MIN_CONTRIBUTORS == 5
    assert not skm.score(same(4, 4)).enough_respondents
    assert skm.score(same(4, 5)).enough_respondents
    counted = skm.score(same(4, 4), respondents=5)  # a fifth resident answered only a question outside the SKM
    assert counted.respondents == 5 and counted.enough_respondents
    with pytest.raises(ValueError):
        skm.score(same(4, 4), respondents=3)  # three people cannot give four answers to one question


@pytest.mark.parametrize("bad", [{"persyaratan": [0]}, {"persyaratan": [5]}, {"persyaratan": [True]},
                                 {"persyaratan": ["3"]}, {"persyaratan": [3.0]}, {"maklumat": [3]}])
def test_answers_outside_the_scale_or_elements_are_refused(bad: dict[str, list[object]]) -> None:
    with pytest.raises(ValueError):
        skm.score(bad)  # type: ignore[arg-type]  # wrong types on purpose


def test_template_gives_nine_four_point_questions_about_the_program() -> None:
    specs = skm.template("Kartu Sehat")
    assert [spec.code for spec in specs] == CODES
    assert {spec.kind for spec in specs} == {"scale4"} and {spec.values for spec in specs} == {(1, 2, 3, 4)}
    assert [spec.options for spec in specs] == [element.labels for element in skm.ELEMENTS]
    t = I18n("id").get("id")
    first = specs[0].text_for(t.gettext)
    assert first == ("Bagaimana pendapat Anda tentang kesesuaian persyaratan pelayanan Kartu Sehat "
                     "dengan jenis pelayanannya?")
    assert all("Kartu Sehat" in spec.text_for(t.gettext) for spec in specs)
    assert all("Kartu Sehat" in spec.text_for(I18n("id").get("en").gettext) for spec in specs)
    assert skm.template("{odd} name")[0].text_for(t.gettext).count("{odd} name") == 1
