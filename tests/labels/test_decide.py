"""Access decisions by the STANAG 4774 rules: classic cases, and properties over random labels
and readers (hypothesis): nothing is released to a reader the rules deny, equivalence works
both ways, and the vectorised path agrees with the reference on every pair."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcegen.exceptions import LabelError
from forcegen.labels.decide import Clearance, check_author, clearance_for, decide
from forcegen.labels.fast import LabelBatch, ReaderBatch, allowed, allowed_pairs
from forcegen.labels.label import Category, Label, make_label, translate
from forcegen.labels.registry import default_policies

PS = default_policies()
REL = "Releasable To"
SH = "Special Handling"


# ------------------------------------------------------------------ classic cases
CASES = [
    # (label, reader, allowed, words in the reason)
    (("NATO", "NATO SECRET", {}), ("FRA", "NATO SECRET", "NATO", {}), True, "released"),
    (("NATO", "NATO SECRET", {}), ("FRA", "NATO CONFIDENTIAL", "NATO", {}), False,
     "needs clearance NATO NATO SECRET"),
    (("NATO", "NATO RESTRICTED", {REL: ["GBR", "NZL"]}), ("NZL", "RESTRICTED", "NZL", {}), True,
     "released"),
    (("NATO", "NATO RESTRICTED", {REL: ["GBR", "NZL"]}), ("FRA", "NATO SECRET", "NATO", {}),
     False, "needs one of Releasable To: GBR, NZL"),
    # a group value: FVEY releases to a New Zealand reader (NZL is listed in FVEY)
    (("NATO", "NATO SECRET", {REL: ["FVEY"]}), ("NZL", "SECRET", "NZL", {}), True, "released"),
    (("NATO", "NATO SECRET", {REL: ["FVEY"]}), ("FRA", "NATO SECRET", "NATO", {}), False,
     "needs one of Releasable To: FVEY"),
    # restrictive: every caveat needed
    (("NATO", "NATO SECRET", {SH: ["ATOMAL", "CRYPTO"]}),
     ("GBR", "NATO SECRET", "NATO", {SH: ["ATOMAL"]}), False, "needs caveat CRYPTO"),
    (("NATO", "NATO SECRET", {SH: ["ATOMAL", "CRYPTO"]}),
     ("GBR", "NATO SECRET", "NATO", {SH: ["ATOMAL", "CRYPTO", "SIGINT"]}), True, "released"),
    # equivalence: UK OFFICIAL-SENSITIVE is NATO RESTRICTED, NATO CONFIDENTIAL needs UK SECRET
    (("GBR", "OFFICIAL-SENSITIVE", {}), ("POL", "NATO RESTRICTED", "NATO", {}), True,
     "released"),
    (("NATO", "NATO CONFIDENTIAL", {}), ("GBR", "OFFICIAL-SENSITIVE", "GBR", {}), False,
     "needs clearance GBR SECRET"),
    (("NATO", "NATO CONFIDENTIAL", {}), ("GBR", "SECRET", "GBR", {}), True, "released"),
    # no declared equivalence: TLP and a NATO clearance
    (("TLP", "GREEN", {}), ("GBR", "COSMIC TOP SECRET", "NATO", {}), False,
     "declares no equivalent"),
    (("TLP", "AMBER+STRICT", {"Recipients": ["CERT-GBR"]}),
     ("GBR", "RED", "TLP", {"Recipients": ["CERT-GBR"]}), True, "released"),
    (("TLP", "AMBER+STRICT", {"Recipients": ["CERT-GBR"]}),
     ("NZL", "RED", "TLP", {"Recipients": ["CERT-NZL"]}), False, "needs one of Recipients"),
    # informative categories decide nothing
    (("NATO", "NATO UNCLASSIFIED", {"Administrative": ["EXERCISE"]}),
     ("FRA", "NATO UNCLASSIFIED", "NATO", {}), True, "released"),
]


@pytest.mark.parametrize(("lab", "who", "ok", "why"), CASES)
def test_classic_cases(lab: tuple, who: tuple, ok: bool, why: str) -> None:  # type: ignore[type-arg]
    label = make_label(*lab)
    reader = clearance_for(who[0], who[1], who[2], who[3])
    d = decide(label, reader)
    assert d.allowed is ok and why in d.reason, d
    assert bool(allowed(LabelBatch([label]), reader)[0]) is ok


def test_deny_by_default_for_what_is_not_understood() -> None:
    reader = clearance_for("GBR", "COSMIC TOP SECRET", categories={SH: ["ATOMAL"]})
    bad = [
        Label("NATO", "NATO TOP SECRET"),  # no such classification
        Label("EU", "SECRET UE"),  # unknown policy
        Label("NATO", "NATO SECRET", (Category("Codeword", "restrictive", ("X",)),)),
        Label("NATO", "NATO SECRET", (Category(SH, "permissive", ("ATOMAL",)),)),  # wrong type
        Label("NATO", "NATO SECRET", (Category(REL, "permissive", ()),)),  # no value
    ]
    for label in bad:
        d = decide(label, reader)
        assert not d.allowed and d.reason.startswith("denied: invalid label"), d
    assert not allowed(LabelBatch(bad), reader).any()
    unknown = Clearance("NATO", "GENERAL", {})
    assert not decide(make_label("NATO", "NATO UNCLASSIFIED"), unknown).allowed
    assert not allowed(LabelBatch([make_label("NATO", "NATO UNCLASSIFIED")]), unknown).any()


# ------------------------------------------------------------------ random labels and readers
NATIONS = ["GBR", "NZL", "FRA", "USA", "AUS", "POL"]


@st.composite
def labels(draw: st.DrawFn) -> Label:
    pid = draw(st.sampled_from(sorted(PS.policies)))
    pol = PS.policies[pid]
    names = [c.name for c in pol.classifications]
    cls = draw(st.sampled_from([*names, "BOGUS"])) if draw(st.integers(0, 19)) == 0 \
        else draw(st.sampled_from(names))
    cats = []
    for tag, cdef in pol.categories.items():
        if cdef.type == "informative" or not draw(st.booleans()):
            continue
        pool = sorted(cdef.values - {"NONE"}) + (NATIONS if tag == REL else [])
        if tag == "Recipients":
            pool = ["CERT-GBR", "CERT-NZL", "SOC-A"]
        vals = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        cats.append(Category(tag, cdef.type, tuple(sorted(vals))))
    return Label(pid, cls, tuple(sorted(cats, key=lambda c: c.tag)))


@st.composite
def readers(draw: st.DrawFn) -> Clearance:
    pid = draw(st.sampled_from(sorted(PS.policies)))
    pol = PS.policies[pid]
    cls = draw(st.sampled_from([c.name for c in pol.classifications]))
    nation = draw(st.sampled_from(NATIONS))
    extra = {}
    if SH in pol.categories:
        extra[SH] = draw(st.lists(st.sampled_from(sorted(pol.categories[SH].values)),
                                  max_size=3, unique=True))
    if "Recipients" in pol.categories:
        extra["Recipients"] = draw(st.lists(st.sampled_from(["CERT-GBR", "CERT-NZL", "SOC-A"]),
                                            max_size=2, unique=True))
    return clearance_for(nation, cls, pid, extra)


#: The shipped category equivalence, restated (nato.yaml: NATO's FVEY is NZL's FIVE EYES).
SAME = {(REL, "FVEY"): {"FIVE EYES"}, (REL, "FIVE EYES"): {"FVEY"}}


def _held(reader: Clearance, tag: str) -> set[str]:
    own = set(reader.categories.get(tag, frozenset()))
    return own | {x for v in own for x in SAME.get((tag, v), set())}


def _rules_hold(label: Label, reader: Clearance) -> bool:
    """The 4774 rules restated directly, independent of decide()'s code path."""
    src, dst = PS.policies[label.policy], PS.policies[reader.policy]
    need = PS.map_rank(src.id, src.rank(label.classification), dst.id)
    if need < 0 or dst.rank(reader.classification) < need:
        return False
    for c in label.categories:
        held = _held(reader, c.tag)
        if c.type == "restrictive" and not set(c.values) <= held:
            return False
        if c.type == "permissive" and not set(c.values) & held:
            return False
    return True


@settings(max_examples=200, deadline=None)
@given(labels(), readers())
def test_never_released_to_a_reader_the_rules_deny(label: Label, reader: Clearance) -> None:
    d = decide(label, reader)
    try:
        PS.policies[label.policy].rank(label.classification)
        valid = True
    except KeyError:
        valid = False
    assert d.allowed == (valid and _rules_hold(label, reader)), d
    if d.allowed:
        # lowering the clearance below the needed level, or taking away the values it
        # relied on, must deny
        pol = PS.policies[reader.policy]
        need = PS.map_rank(label.policy, PS.policies[label.policy].rank(label.classification),
                           reader.policy)
        if need > 0:
            lower = Clearance(reader.policy, pol.classifications[need - 1].name,
                              reader.categories, reader.nation)
            assert not decide(label, lower).allowed
        for c in label.categories:
            if c.type != "informative":
                stripped = dict(reader.categories)
                gone = set(c.values) | {x for v in c.values for x in SAME.get((c.tag, v), ())}
                stripped[c.tag] = reader.holds(c.tag) - gone
                assert not decide(label, Clearance(reader.policy, reader.classification,
                                                   stripped, reader.nation)).allowed


@settings(max_examples=200, deadline=None)
@given(labels(), readers(), st.sampled_from(sorted(PS.policies)))
def test_equivalence_applies_both_ways(label: Label, reader: Clearance, target: str) -> None:
    try:
        moved = translate(label, target)
    except Exception:
        return  # no equivalent, or a category the target does not define: not translatable
    if reader.policy == target:
        # a reader under the target policy decides the same on either form
        assert decide(label, reader).allowed == decide(moved, reader).allowed
    back = translate(moved, label.policy)
    # the round trip never lowers a classification, so it never releases more widely
    src = PS.policies[label.policy]
    assert src.rank(back.classification) >= src.rank(label.classification)
    if decide(back, reader).allowed:
        assert decide(label, reader).allowed


def test_equivalence_each_direction_is_declared_or_derived() -> None:
    # NATO -> GBR and GBR -> NATO come from both files; NATO RESTRICTED <-> OFFICIAL-SENSITIVE
    assert PS.map_rank("NATO", 1, "GBR") == PS.policies["GBR"].rank("OFFICIAL-SENSITIVE")
    assert PS.map_rank("GBR", 1, "NATO") == 1
    n = make_label("NATO", "NATO RESTRICTED", {REL: ["GBR"]})
    g = make_label("GBR", "OFFICIAL-SENSITIVE", {REL: ["GBR"]})
    for reader in (clearance_for("GBR", "OFFICIAL-SENSITIVE", "GBR"),
                   clearance_for("GBR", "NATO RESTRICTED", "NATO")):
        assert decide(n, reader).allowed and decide(g, reader).allowed
    for reader in (clearance_for("GBR", "OFFICIAL", "GBR"),
                   clearance_for("GBR", "NATO UNCLASSIFIED", "NATO")):
        assert not decide(n, reader).allowed and not decide(g, reader).allowed


@settings(max_examples=40, deadline=None)
@given(st.lists(labels(), min_size=1, max_size=40), st.lists(readers(), min_size=1, max_size=8))
def test_fast_path_agrees_with_the_reference(lab: list[Label], who: list[Clearance]) -> None:
    batch = LabelBatch(lab)
    rb = ReaderBatch(batch, who)
    li = np.repeat(np.arange(len(lab)), len(who))
    ri = np.tile(np.arange(len(who)), len(lab))
    fast = allowed_pairs(batch, li, rb, ri)
    ref = np.array([decide(lab[i], who[j]).allowed for i, j in zip(li, ri, strict=True)])
    assert np.array_equal(fast, ref)
    for j, reader in enumerate(who):
        assert np.array_equal(allowed(batch, reader), ref[ri == j])


def test_bitsets_of_several_words_decide_like_the_reference() -> None:
    # 120 distinct nation codes and caveats: the vocabulary spans two 64-bit words
    codes = [f"{a}{b}{c}" for a in "ABC" for b in "ABCDEFGHIJ" for c in "ABCD"]
    lab = [make_label("NATO", "NATO SECRET", {REL: codes[i:i + 3]}) for i in range(0, 120, 2)]
    lab.append(make_label("NATO", "NATO SECRET", {REL: [codes[119]], SH: ["ATOMAL"]}))
    batch = LabelBatch(lab)
    assert batch.words == 2
    for nation in (codes[0], codes[63], codes[64], codes[100], codes[119]):
        for caveats in ([], ["ATOMAL"]):
            reader = clearance_for(nation, "NATO SECRET", categories={SH: caveats})
            want = [decide(x, reader).allowed for x in lab]
            assert allowed(batch, reader).tolist() == want
            assert any(want)


def test_nobody_labels_above_their_own_clearance() -> None:
    uk = clearance_for("GBR", "SECRET", "GBR", {SH: ["SIGINT"]})
    # releasing to another nation is the author's choice
    check_author(make_label("NATO", "NATO SECRET", {REL: ["NZL"]}), uk)
    check_author(make_label("GBR", "SECRET", {SH: ["SIGINT"]}), uk)
    for label, words in [
        (make_label("NATO", "COSMIC TOP SECRET"), "needs clearance GBR TOP SECRET"),
        (make_label("GBR", "SECRET", {SH: ["CRYPTO"]}), "needs caveat CRYPTO"),
        (make_label("TLP", "GREEN"), "declares no equivalent"),
    ]:
        with pytest.raises(LabelError, match="above the author's clearance") as exc:
            check_author(label, uk)
        assert words in str(exc.value)
