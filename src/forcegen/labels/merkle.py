"""A Merkle tree in the form of RFC 6962 (Certificate Transparency), section 2.1.

Leaves hash as ``SHA-256(0x00 || data)``, interior nodes as ``SHA-256(0x01 || left || right)``;
a tree of ``n`` leaves splits at the largest power of two below ``n`` (so sizes that are not
powers of two have a defined head), and the empty tree's head is ``SHA-256("")``. Inclusion
proofs (``PATH``) and consistency proofs (``PROOF``/``SUBPROOF``) are built as the RFC defines
them, and verified by the algorithms of RFC 9162, section 2.1.3.2 and 2.1.4.2, which need only
the proof, the sizes and the heads.

The tree keeps every complete, aligned subtree's hash (levels), so an append costs O(log n)
hashes and a proof for any earlier size O(log² n) at worst, without rehashing the log. The
algorithms take the stored hashes through a lookup (:data:`NodeLookup`): the workspace keeps
the same nodes in its database and reuses them (``workspace.audit.tree``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "MerkleTree",
    "NodeLookup",
    "append_nodes",
    "append_siblings",
    "consistency_path",
    "inclusion_path",
    "leaf_hash",
    "node_hash",
    "nodes_needed",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


#: ``node(level, index)``: the hash of the complete, aligned subtree of ``2**level`` leaves
#: starting at leaf ``index * 2**level`` (level 0: the leaf hashes). The algorithms below need
#: only this, so a tree kept in memory (:class:`MerkleTree`) and one kept in a database share them.
NodeLookup = Callable[[int, int], bytes]


def subtree_root(start: int, end: int, node: NodeLookup) -> bytes:
    """MTH of leaves [start, end); ``start`` is aligned as RFC 6962's recursion keeps it."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:  # a complete, aligned subtree: stored
        return node(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(subtree_root(start, start + k, node), subtree_root(start + k, end, node))


def inclusion_path(index: int, size: int, node: NodeLookup) -> list[bytes]:
    """RFC 6962 ``PATH(index, D[size])``: the audit path of leaf ``index``, leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = _split(end - start)
        if m < k:
            path.append(subtree_root(start + k, end, node))
            end = start + k
        else:
            path.append(subtree_root(start, start + k, node))
            start, m = start + k, m - k
    path.reverse()
    return path


def consistency_path(first: int, size: int, node: NodeLookup) -> list[bytes]:
    """RFC 6962 ``PROOF(first, D[size])`` (empty when the sizes are equal or first is 0)."""
    if not 0 <= first <= size:
        raise ValueError(f"first size {first} is not between 0 and {size}")
    if first in (0, size):
        return []
    proof: list[bytes] = []
    start, end, m, complete = 0, size, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(subtree_root(start + k, end, node))
            end = start + k
        else:
            proof.append(subtree_root(start, start + k, node))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(subtree_root(start, end, node))
    proof.reverse()
    return proof


def nodes_needed(compute: Callable[[NodeLookup], object]) -> list[tuple[int, int]]:
    """The ``(level, index)`` nodes ``compute`` reads, in first-read order.

    The algorithms above never branch on a hash, only on sizes and indices, so running one with
    a recording lookup tells a store which nodes to fetch (in one query) before the real run.
    """
    seen: dict[tuple[int, int], None] = {}

    def record(level: int, index: int) -> bytes:
        seen[(level, index)] = None
        return EMPTY_ROOT

    compute(record)
    return list(seen)


def append_siblings(index: int) -> list[tuple[int, int]]:
    """The nodes appending leaf ``index`` combines with: the left siblings it completes."""
    out = []
    level = 0
    while (index >> level) & 1:
        out.append((level, (index >> level) - 1))
        level += 1
    return out


def append_nodes(index: int, leaf: bytes, node: NodeLookup) -> list[tuple[int, int, bytes]]:
    """``(level, index, hash)`` of every complete subtree that appending ``leaf`` at ``index`` ends.

    The leaf itself comes first (level 0); one more per left sibling (:func:`append_siblings`),
    so the amortised cost is two hashes per leaf and O(log n) at worst: no rehashing of the log.
    """
    out = [(0, index, leaf)]
    h = leaf
    for level, left in append_siblings(index):
        h = node_hash(node(level, left), h)
        out.append((level + 1, index >> (level + 1), h))
    return out


class MerkleTree:
    """An append-only Merkle tree over leaf hashes, kept in memory."""

    def __init__(self) -> None:
        # _levels[h][i]: hash of the complete subtree of 2**h leaves starting at leaf i * 2**h
        self._levels: list[list[bytes]] = [[]]

    def __len__(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    def append(self, data: bytes) -> int:
        """Append a leaf (its data); returns its index."""
        return self.append_hash(leaf_hash(data))

    def append_hash(self, h: bytes) -> int:
        """Append a leaf by its leaf hash; returns its index."""
        index = len(self._levels[0])
        for level, _, value in append_nodes(index, h, self.node):
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].append(value)
        return index

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        return self._levels[0][index]

    def node(self, level: int, index: int) -> bytes:
        """The hash of complete subtree ``index`` of ``2**level`` leaves (:data:`NodeLookup`)."""
        return self._levels[level][index]

    def levels(self) -> int:
        """The number of levels holding complete subtrees (1 for a tree of one leaf)."""
        return len(self._levels) if len(self) else 0

    def nodes_at(self, level: int) -> list[bytes]:
        """Every complete subtree hash of ``level``, left to right."""
        return list(self._levels[level])

    def _check_size(self, size: int | None) -> int:
        n = len(self) if size is None else size
        if not 0 <= n <= len(self):
            raise ValueError(f"tree size {n} is not between 0 and {len(self)}")
        return n

    def root(self, size: int | None = None) -> bytes:
        """The tree head (MTH) of the first ``size`` leaves (default: all)."""
        return subtree_root(0, self._check_size(size), self.node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 ``PATH(index, D[size])``: the audit path of leaf ``index``, leaf first."""
        return inclusion_path(index, self._check_size(size), self.node)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """RFC 6962 ``PROOF(first, D[second])`` (empty when the sizes are equal or first is 0)."""
        return consistency_path(first, self._check_size(second), self.node)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree of ``size``.

    The tree's head is ``root`` (RFC 9162, 2.1.3.2).
    """
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows one tree is a prefix of another (RFC 9162, 2.1.4.2).

    The tree of ``first`` leaves (head ``first_root``) against the tree of ``second`` leaves
    (head ``second_root``).
    """
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
