"""Tests for the packaged ICD code sets (medins_sdk.codes.icd)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest

from medins_sdk.codes import icd
from medins_sdk.codes.icd import (
    CodeCategories,
    CodeList,
    CodeSet,
    Crosswalk,
    dip_procedure_groups,
    icd9_category,
    icd9_clinical,
    icd9_crosswalk,
    icd9_grey,
    icd9_insurance,
    icd9_subcategory,
    icd10_category,
    icd10_clinical,
    icd10_crosswalk,
    icd10_grey,
    icd10_insurance,
    icd10_subcategory,
    procedure_categories,
)

DATA_FILES = (
    "icd10_chs_insurance_v2.0.dat",
    "icd10_chs_insurance_v2.0_grey.dat",
    "icd10_national_clinical_v2.0.dat",
    "icd9cm3_chs_insurance_v2.0.dat",
    "icd9cm3_chs_insurance_v2.0_grey.dat",
    "icd9cm3_national_clinical_v3.0.dat",
    "crosswalk_icd10_clinical_v2.0_to_insurance_v2.0.dat",
    "crosswalk_icd9cm3_clinical_v3.0_to_insurance_v2.0.dat",
    "procedure_category_national_clinical.dat",
    "procedure_category_dip_taian.dat",
)


# --- packaging ------------------------------------------------------------------------------


def test_data_files_and_notice_are_package_resources() -> None:
    data = files("medins_sdk.codes.data")
    for name in (*DATA_FILES, "NOTICE", "README.md"):
        assert data.joinpath(name).is_file(), name
    notice = data.joinpath("NOTICE").read_text(encoding="utf-8")
    assert "Apache License" in notice
    assert "ab57a5b" in notice
    assert "164c3f6" in notice
    for name in DATA_FILES:
        assert name in notice, name


# --- counts (lines in each file; the files have no final newline, so `wc -l` shows one less) -


@pytest.mark.parametrize(
    ("accessor", "count"),
    [
        (icd10_insurance, 33307),
        (icd10_clinical, 35587),
        (icd9_insurance, 13686),
        (icd9_clinical, 13653),
        (icd10_grey, 2695),  # 2725 lines: 18 codes are listed two to five times
        (icd9_grey, 2241),
        (icd10_crosswalk, 35587),
        (icd9_crosswalk, 13653),
        (procedure_categories, 13611),  # 13653 lines, 42 of them without a code
        (dip_procedure_groups, 322),
    ],
)
def test_counts(accessor: Callable[[], Collection[str]], count: int) -> None:
    table = accessor()
    assert len(table) == count
    assert len(list(table)) == count


def test_edition_metadata() -> None:
    assert (icd10_insurance().name, icd10_insurance().system, icd10_insurance().edition) == (
        "ICD-10 医保版 2.0",
        "icd10",
        "insurance-2.0",
    )
    assert icd10_clinical().edition == "clinical-2.0"
    assert icd9_insurance().system == "icd9cm3"
    assert icd9_insurance().edition == "insurance-2.0"
    assert icd9_clinical().edition == "clinical-3.0"
    assert icd10_crosswalk().source == icd10_clinical().name
    assert icd10_crosswalk().target == icd10_insurance().name
    assert icd9_crosswalk().source == icd9_clinical().name
    assert icd9_crosswalk().target == icd9_insurance().name


# --- code sets ------------------------------------------------------------------------------


def test_known_codes_and_names() -> None:
    ins = icd10_insurance()
    assert "O82.000" in ins
    assert ins.name_of("O82.000") == "经选择性剖宫产术的分娩"
    assert ins.name_of("I21.000") == "前壁急性透壁性心肌梗死"
    assert ins.name_of("A17.000+G01*") == "结核性脑膜炎"
    assert ins.name_of("K30.x00") == "功能性消化不良"
    assert ins.name_of("NOT-A-CODE") is None
    assert "I21.000x001" not in ins  # a clinical-edition code, mapped to I21.003
    assert icd10_clinical().name_of("I21.000x001") == "急性透壁前间壁心肌梗塞"
    assert icd9_insurance().name_of("74.1x00") == "低位子宫下段剖宫产"
    assert icd9_insurance().name_of("17.912A0") == "电针治疗"
    assert icd10_clinical().name_of("C22.101M81600/3") == "胆管癌"


def test_names_keep_inner_spaces_and_lose_trailing_ones() -> None:
    assert icd10_insurance().name_of("A15.000x010") == "继发性肺结核(初治 单耐药)涂阳培阳"
    assert icd9_insurance().name_of("22.4200x005") == "Draf Ⅱa型手术"
    # The clinical file has trailing spaces on some lines and a double space on one.
    assert icd10_clinical().name_of("I21.100x002") == "急性下壁心肌梗死"
    assert icd10_clinical().name_of("P05.900") == "胎儿生长缓慢"
    assert icd10_clinical().name_of("B06.801+J17.1*") == "风疹性肺炎"


def test_codes_keep_file_order() -> None:
    ins = icd10_insurance()
    codes = ins.codes()
    assert codes[:3] == ("A00.000", "A00.000x001", "A00.100")
    assert codes[-1] == "Z99.900"
    assert ins.codes() is codes  # built once
    assert tuple(ins) == codes
    clinical = icd9_clinical().codes()
    assert clinical[0] == "00.0100"
    assert clinical[-1] == "99.9211"  # the clinical file is not sorted; order is kept


def test_startswith_category() -> None:
    ins = icd10_insurance()
    assert ins.startswith("O82") == (
        "O82.000",
        "O82.100",
        "O82.200",
        "O82.201",
        "O82.800",
        "O82.900",
    )
    assert icd10_clinical().startswith("O82")[-1] == "O82.900x001"
    i21 = ins.startswith("I21")
    assert len(i21) == 55
    assert i21[:3] == ("I21.000", "I21.000x005", "I21.001")
    assert all(code.startswith("I21") for code in i21)
    assert len(icd10_clinical().startswith("I21")) == 73
    assert icd9_insurance().startswith("74.1") == ("74.1x00", "74.1x01", "74.1x02")
    assert ins.startswith("ZZ") == ()
    assert ins.startswith("A00.000x001") == ("A00.000x001",)


@pytest.mark.parametrize("prefix", ["", "A", "C22.1", "I21.2", "K30.x", "M51.", "Z99.9", "0"])
def test_startswith_agrees_with_a_linear_scan(prefix: str) -> None:
    for table in (icd10_insurance(), icd10_clinical(), icd9_clinical()):
        expected = sorted(code for code in table if code.startswith(prefix))
        assert list(table.startswith(prefix)) == expected


def test_code_set_is_immutable() -> None:
    ins = icd10_insurance()
    with pytest.raises(AttributeError):
        ins.name = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        ins.extra = 1  # type: ignore[attr-defined]


def test_code_set_rejects_duplicates() -> None:
    with pytest.raises(ValueError, match=r"duplicate code 'A00\.000'"):
        CodeSet("t", "icd10", "x", [("A00.000", "a"), ("A00.000", "b")])


# --- grey codes -----------------------------------------------------------------------------


def test_grey_codes() -> None:
    grey = icd10_grey()
    assert isinstance(grey, CodeList)
    assert grey.is_grey("O82.200")
    assert "O82.200" in grey
    assert not grey.is_grey("O82.000")
    assert grey.is_grey("M47.000+G99.2*")
    assert list(grey)[:2] == ["A00.000", "A00.100"]
    assert icd9_grey().is_grey("74.1x00")  # the parent code; 74.1x01 / 74.1x02 are required
    assert not icd9_grey().is_grey("74.1x01")


def test_grey_codes_are_insurance_codes() -> None:
    assert set(icd10_grey()) <= set(icd10_insurance())
    assert set(icd9_grey()) <= set(icd9_insurance())


# --- crosswalks -----------------------------------------------------------------------------


def test_crosswalk_examples() -> None:
    cw = icd10_crosswalk()
    assert isinstance(cw, Crosswalk)
    assert cw.map("A00.000") == ("A00.000",)
    assert cw.map("I21.000x001") == ("I21.003",)
    assert cw.map("B06.801+J17.1*") == ("B06.801+J17.1*",)  # a line with a double space
    assert icd9_crosswalk().map("99.9210") == ("17.91220",)
    assert icd9_crosswalk().map("74.1x01") == ("74.1x01",)


def test_crosswalk_code_without_counterpart() -> None:
    # No clinical code maps to nothing in the shipped files; an unknown code gets ().
    assert icd10_crosswalk().map("I21.000x999") == ()
    assert "I21.000x999" not in icd10_crosswalk()
    assert icd9_crosswalk().map("") == ()


def test_crosswalks_cover_the_clinical_editions_one_to_one() -> None:
    for crosswalk, clinical in (
        (icd10_crosswalk(), icd10_clinical()),
        (icd9_crosswalk(), icd9_clinical()),
    ):
        assert tuple(crosswalk) == clinical.codes()
        assert all(len(crosswalk.map(code)) == 1 for code in clinical)


def test_crosswalk_targets_are_insurance_codes_but_one() -> None:
    insurance = icd10_insurance()
    cw = icd10_crosswalk()
    dangling = {t for code in cw for t in cw.map(code) if t not in insurance}
    # A defect of the source data: P78.300x004 maps to a code the insurance edition lacks.
    assert dangling == {"K30.x00x002"}
    assert cw.map("P78.300x004") == ("K30.x00x002",)
    cw9 = icd9_crosswalk()
    assert all(t in icd9_insurance() for code in cw9 for t in cw9.map(code))


def test_crosswalk_one_to_many_and_duplicates() -> None:
    cw = Crosswalk(
        "a", "b", "icd10", [("A00.000", "A00.000"), ("A01.000", "A01.000"), ("A01.000", "A01.100")]
    )
    assert cw.map("A01.000") == ("A01.000", "A01.100")
    assert cw.map("A00.000") == ("A00.000",)
    assert list(cw) == ["A00.000", "A01.000"]
    assert len(cw) == 2
    with pytest.raises(ValueError, match=r"duplicate pair A00\.000 A00\.000"):
        Crosswalk("a", "b", "icd10", [("A00.000", "A00.000"), ("A00.000", "A00.000")])


# --- procedure categories -------------------------------------------------------------------


def test_procedure_categories() -> None:
    cats = procedure_categories()
    assert isinstance(cats, CodeCategories)
    for code in ("74.1x00", "74.1x01", "74.1x02"):  # caesarean sections
        assert cats.category_of(code) == "手术"
    assert cats["74.1x01"] == "手术"
    assert cats.category_of("00.2900") == "诊断性操作"
    assert cats.category_of("00.0100") == "治疗性操作"
    assert cats.category_of("00.5500") == "介入治疗"
    assert cats.category_of("ZZ") is None
    assert cats.categories() == {"手术", "治疗性操作", "诊断性操作", "介入治疗"}
    assert set(cats) <= set(icd9_clinical())


def test_procedure_categories_rows_without_code() -> None:
    cats = procedure_categories()
    assert len(cats.uncoded_lines) == 42
    assert cats.uncoded_lines[:3] == (48, 49, 50)
    assert cats.uncoded_lines[-1] == 2094
    # Those rows' codes (00.31xx …, 17.4x) are in the clinical edition but get no category.
    assert "00.3100" in icd9_clinical()
    assert cats.category_of("00.3100") is None
    assert len(set(icd9_clinical()) - set(cats)) == 42


def test_dip_procedure_groups() -> None:
    groups = dip_procedure_groups()
    assert groups.category_of("00.4500") == "治疗性操作组_1"
    assert groups.category_of("99.2801") == "治疗性操作组_2"
    assert groups.category_of("03.3101") == "诊断性操作组"
    assert groups.category_of("00.8201") == "相关手术组_3"
    assert groups.category_of("74.1x01") is None
    assert groups.uncoded_lines == ()
    assert groups.categories() == {
        "相关手术组_1",
        "相关手术组_2",
        "相关手术组_3",
        "治疗性操作组_1",
        "治疗性操作组_2",
        "治疗性操作组_3",
        "诊断性操作组",
    }


# --- categories of codes --------------------------------------------------------------------


def test_icd10_category_and_subcategory() -> None:
    assert icd10_category("I21.000x001") == "I21"
    assert icd10_category("A17.000+G01*") == "A17"
    assert icd10_category("I21") == "I21"
    assert icd10_subcategory("I21.000") == "I21.0"
    assert icd10_subcategory("I21.000x001") == "I21.0"
    assert icd10_subcategory("C22.101M81600/3") == "C22.1"
    assert icd10_subcategory("K30.x00") == "K30"  # undivided category
    with pytest.raises(ValueError, match="no subcategory"):
        icd10_subcategory("I21")
    for bad in ("74.1x00", "i21.000", "", " I21.000"):
        with pytest.raises(ValueError, match="not an ICD-10 code"):
            icd10_category(bad)


def test_icd9_category_and_subcategory() -> None:
    assert icd9_category("74.1x00") == "74"
    assert icd9_subcategory("74.1x00") == "74.1"
    assert icd9_subcategory("99.9999x999") == "99.9"
    assert icd9_subcategory("03.4x00") == "03.4"
    assert icd9_category("74") == "74"
    with pytest.raises(ValueError, match="no subcategory"):
        icd9_subcategory("74")
    for bad in ("I21.000", "7.1", ""):
        with pytest.raises(ValueError, match="not an ICD-9-CM-3 code"):
            icd9_category(bad)


def test_every_insurance_code_lies_in_its_category() -> None:
    ins = icd10_insurance()
    for code in ins:
        assert code in ins.startswith(icd10_category(code))
    assert {icd9_category(code) for code in icd9_insurance()} == {f"{n:02d}" for n in range(100)}


# --- strict parsing -------------------------------------------------------------------------


def _write(tmp_path: Path, text: str, name: str = "bad.dat") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _code_set(path: Path) -> CodeSet:
    return icd._load_code_set(path, name="t", system="icd10", edition="x")


def test_loader_reads_a_valid_file_with_blank_lines_and_crlf(tmp_path: Path) -> None:
    path = _write(tmp_path, "A00.000 霍乱\r\n\r\nA01.000 伤寒 \r\n   \nB00.000 疱疹 病毒\n")
    table = _code_set(path)
    assert table.codes() == ("A00.000", "A01.000", "B00.000")
    assert table.name_of("A01.000") == "伤寒"
    assert table.name_of("B00.000") == "疱疹 病毒"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("A00.000 霍乱\nA01.000\n", 2, "expected"),  # no name
        ("A00.000 霍乱\nA01.000\t伤寒\n", 2, r"'A01.000\\t伤寒' is not an icd10 code"),  # tab
        ("A00.000 霍乱\n\nhello world\n", 3, "'hello' is not an icd10 code"),
        ("A00.000 霍乱\n 伤寒\n", 2, "expected"),  # no code
        ("A00.000 霍乱\nA01.000 伤寒\nA00.000 又一个\n", 3, "duplicate code"),
        ("A00.000 霍乱\n74.1x00 剖宫产\n", 2, "'74.1x00' is not an icd10 code"),
    ],
)
def test_malformed_line_names_file_and_line(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=f"bad.dat, line {line}: .*{reason}") as info:
        _code_set(path)
    assert str(path) in str(info.value)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gbk.dat"
    path.write_bytes("A00.000 霍乱\nA01.000 伤寒\n".encode("gbk"))
    with pytest.raises(ValueError, match=r"gbk.dat, line 1: not UTF-8"):
        _code_set(path)


def test_code_list_loader(tmp_path: Path) -> None:
    ok = icd._load_code_list(
        _write(tmp_path, "74.1x00\n74.1x00\n00.0100\n"), name="g", system="icd9cm3"
    )
    assert list(ok) == ["74.1x00", "00.0100"]  # repeats kept once
    with pytest.raises(ValueError, match="line 2: expected one icd9cm3 code per line"):
        icd._load_code_list(
            _write(tmp_path, "00.0100\n74.1x00 剖宫产\n"), name="g", system="icd9cm3"
        )


def test_crosswalk_loader(tmp_path: Path) -> None:
    load = icd._load_crosswalk
    ok = load(
        _write(tmp_path, "A00.000 A00.000\nA01.000 A01.003\n"),
        from_name="a",
        to_name="b",
        system="icd10",
    )
    assert ok.map("A01.000") == ("A01.003",)
    with pytest.raises(ValueError, match="line 2: expected '<icd10 code> <icd10 code>'"):
        load(
            _write(tmp_path, "A00.000 A00.000\nA01.000 A01.003 A01.004\n"),
            from_name="a",
            to_name="b",
            system="icd10",
        )
    with pytest.raises(ValueError, match="line 3: duplicate pair"):
        load(
            _write(tmp_path, "A00.000 A00.000\nA01.000 A01.003\nA00.000 A00.000\n"),
            from_name="a",
            to_name="b",
            system="icd10",
        )


def test_category_loader(tmp_path: Path) -> None:
    valid = icd.PROCEDURE_CATEGORIES.__contains__
    strict = _write(tmp_path, "74.1x00 手术\n 治疗性操作\n")
    with pytest.raises(ValueError, match="line 2: expected"):
        icd._load_categories(strict, name="c", valid=valid)
    lenient = icd._load_categories(strict, name="c", valid=valid, allow_uncoded=True)
    assert dict(lenient) == {"74.1x00": "手术"}
    assert lenient.uncoded_lines == (2,)
    unknown = _write(tmp_path, "74.1x00 手术\n74.1x01 外科\n")
    with pytest.raises(ValueError, match="line 2: unknown category"):
        icd._load_categories(unknown, name="c", valid=valid)
    repeated = _write(tmp_path, "74.1x00 手术\n74.1x01 手术\n74.1x00 手术\n")
    with pytest.raises(ValueError, match="line 3: duplicate code"):
        icd._load_categories(repeated, name="c", valid=valid)


# --- laziness -------------------------------------------------------------------------------


def test_accessors_return_the_same_object() -> None:
    assert icd10_insurance() is icd10_insurance()
    assert icd9_grey() is icd9_grey()
    assert icd10_crosswalk() is icd10_crosswalk()
    assert procedure_categories() is procedure_categories()


def test_file_is_read_on_first_call_only(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = icd._load_code_set

    def counting(source: Traversable, **kwargs: str) -> CodeSet:
        calls.append(source.name)
        return real(source, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(icd, "_load_code_set", counting)
    icd9_clinical.cache_clear()
    try:
        first = icd9_clinical()
        second = icd9_clinical()
        assert first is second
        assert calls == ["icd9cm3_national_clinical_v3.0.dat"]
    finally:
        icd9_clinical.cache_clear()  # the next caller reloads with the real loader
