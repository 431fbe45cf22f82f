"""Access decisions for many labels at once: the 4774 rules on numpy bitsets.

Labels are compiled once into arrays (:class:`LabelBatch`): the policy and rank of each, its
restrictive values as one bitset, and each permissive category as a bitset of its own (a reader
needs one bit of each). Readers compile into bitsets over the same vocabulary
(:class:`ReaderBatch`). A decision is then a few vectorised ANDs and a table look-up of the
classification equivalence, the same rules as :func:`forcegen.labels.decide.decide` (the
reference, against which this is property-tested and benchmarked). Labels that fail validation
compile as "never released" (deny by default).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from forcegen.exceptions import LabelError
from forcegen.labels.decide import Clearance
from forcegen.labels.label import Label, validate
from forcegen.labels.registry import PolicySet, default_policies

__all__ = ["LabelBatch", "ReaderBatch", "allowed", "allowed_pairs"]


class LabelBatch:
    """Labels compiled for vectorised decisions.

    Attributes
    ----------
    distinct : int
        How many distinct labels were validated and compiled (the rest are copies).
    valid : bool array (N,)
        False for labels that fail validation: they are never released.
    policy, rank : int array (N,)
        Index of the label's policy in ``policy_ids`` and its classification's rank.
    restrictive : uint64 array (N, W)
        Every restrictive value, as bits of the vocabulary.
    permissive : uint64 array (N, K, W)
        One bitset per permissive category (all-zero slots are unused).
    """

    def __init__(self, labels: Sequence[Label], policies: PolicySet | None = None) -> None:
        self.policies = ps = policies or default_policies()
        self.policy_ids: tuple[str, ...] = tuple(sorted(ps.policies))
        pindex = {p: i for i, p in enumerate(self.policy_ids)}
        self.vocab: dict[tuple[str, str], int] = {}
        # Real collections repeat a few hundred distinct labels over many items: each
        # distinct label is validated and compiled once, then gathered by index.
        rows: dict[Label, int] = {}
        index = np.fromiter((rows.setdefault(lab, len(rows)) for lab in labels),
                            dtype=np.int64, count=len(labels))
        distinct = list(rows)
        u = len(distinct)
        valid = np.zeros(u, dtype=bool)
        policy = np.zeros(u, dtype=np.int64)
        rank = np.zeros(u, dtype=np.int64)
        restr: list[list[int]] = []
        perm: list[list[list[int]]] = []
        for i, label in enumerate(distinct):
            try:
                validate(label, ps)
            except LabelError:
                restr.append([])
                perm.append([])
                continue
            valid[i] = True
            policy[i] = pindex[label.policy]
            rank[i] = ps.policies[label.policy].rank(label.classification)
            restr.append([self._bit(c.tag, v) for c in label.categories
                          if c.type == "restrictive" for v in c.values])
            perm.append([[self._bit(c.tag, v) for v in c.values] for c in label.categories
                         if c.type == "permissive"])
        self.words = max(1, (len(self.vocab) + 63) // 64)
        k = max(1, max((len(p) for p in perm), default=0))
        # Bits are gathered as Python ints and split into 64-bit words in one array build:
        # numpy scalar updates per bit would cost more than the decisions themselves.
        restrictive = _words([_mask(bits) for bits in restr], self.words)
        slots = [_mask(cats[j]) if j < len(cats) else 0 for cats in perm for j in range(k)]
        permissive = _words(slots, self.words).reshape(u, k, self.words)
        self.distinct = u
        self.valid = valid[index]
        self.policy = policy[index]
        self.rank = rank[index]
        self.restrictive = restrictive[index]
        self.permissive = permissive[index]
        # (N, K): which permissive slots a label uses
        self._has_perm: NDArray[np.bool_] = np.any(self.permissive != 0, axis=2)

    def __len__(self) -> int:
        """The number of labels held."""
        return int(self.valid.shape[0])

    def _bit(self, tag: str, value: str) -> int:
        return self.vocab.setdefault((tag, value), len(self.vocab))

    def rank_table(self, reader_policy: str) -> NDArray[np.int64]:
        """``table[label policy index, label rank]`` = required rank under ``reader_policy``."""
        width = max(len(p.classifications) for p in self.policies.policies.values())
        table = np.full((len(self.policy_ids), width), -1, dtype=np.int64)
        for i, pid in enumerate(self.policy_ids):
            mapped = self.policies.table(pid, reader_policy)
            table[i, : len(mapped)] = mapped
        return table


def _mask(bits: list[int]) -> int:
    m = 0
    for b in bits:
        m |= 1 << b
    return m


def _words(masks: list[int], words: int) -> NDArray[np.uint64]:
    """Python-int bitmasks -> a (len(masks), words) uint64 array, low word first."""
    full = (1 << 64) - 1
    return np.array([[(m >> (64 * w)) & full for w in range(words)] for m in masks],
                    dtype=np.uint64).reshape(len(masks), words)


class ReaderBatch:
    """Readers compiled over a :class:`LabelBatch`'s vocabulary (values outside it are moot)."""

    def __init__(self, batch: LabelBatch, readers: Sequence[Clearance]) -> None:
        ps = batch.policies
        m = len(readers)
        self.bits = np.zeros((m, batch.words), dtype=np.uint64)
        self.rank = np.full(m, -1, dtype=np.int64)  # -1: unknown clearance, sees nothing
        self.policy = np.zeros(m, dtype=np.int64)
        reader_policies = sorted({r.policy for r in readers if r.policy in ps})
        self.policy_ids = tuple(reader_policies)
        # lut[reader policy, label policy, label rank] -> required rank under reader policy
        tables = [batch.rank_table(p) for p in reader_policies]
        self.lut = (np.stack(tables) if tables
                    else np.full((1, len(batch.policy_ids), 1), -1, dtype=np.int64))
        for i, r in enumerate(readers):
            pol = ps.policies.get(r.policy)
            if pol is None or not any(c.name == r.classification for c in pol.classifications):
                continue
            self.rank[i] = pol.rank(r.classification)
            self.policy[i] = reader_policies.index(r.policy)
            holds = ps.expand(r.categories)  # with the declared category equivalences
            mask = _mask([b for (tag, v), b in batch.vocab.items()
                          if v in holds.get(tag, ())])
            self.bits[i] = _words([mask], batch.words)[0]


def allowed_pairs(
    batch: LabelBatch,
    labels: NDArray[np.integer],
    readers: ReaderBatch,
    who: NDArray[np.integer],
) -> NDArray[np.bool_]:
    """Decide every pair (``batch[labels[i]]``, ``readers[who[i]]``): a boolean array."""
    li = np.asarray(labels, dtype=np.int64)
    ri = np.asarray(who, dtype=np.int64)
    need = readers.lut[readers.policy[ri], batch.policy[li], batch.rank[li]]
    held = readers.bits[ri]  # (P, W)
    ok = batch.valid[li] & (need >= 0) & (readers.rank[ri] >= need)
    # restrictive: every required bit held
    ok &= ~np.any(batch.restrictive[li] & ~held, axis=1)
    # permissive: each used slot shares at least one bit with the reader
    hit = np.any(batch.permissive[li] & held[:, None, :], axis=2)  # (P, K)
    ok &= np.all(hit | ~batch._has_perm[li], axis=1)
    return ok


def allowed(batch: LabelBatch, reader: Clearance) -> NDArray[np.bool_]:
    """Decide every label of ``batch`` for one reader: a boolean array of length N."""
    rb = ReaderBatch(batch, [reader])
    n = len(batch)
    return allowed_pairs(batch, np.arange(n), rb, np.zeros(n, dtype=np.int64))
