"""The citation graph as one scipy sparse matrix over node numbers (graph layer; numpy and
scipy, no database, no NetworkX): local citations, PageRank, and the papers on a cycle.

`survey.graph.network` answers the same on a NetworkX graph; at 10^5 papers and 10^6
citations building that graph costs more than the answers. Node i is the i-th paper in
the order the NetworkX graph holds its nodes: with that order the PageRank is
NetworkX's to the last bit (the same matrix, the same power iteration, the same sums in
the same order, the same convergence test), so both rank papers alike.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from survey.errors import SurveyError

# The parameters survey.graph.network.influence gives NetworkX.
ALPHA = 0.85
TOLERANCE = 1e-10
MAX_ITERATIONS = 500


def citation_matrix(
    nodes: int, citing: NDArray[np.int64], cited: NDArray[np.int64]
) -> sp.csr_array:
    """[i, j] = 1.0 when node i cites node j; a pair listed more than once counts once."""
    matrix = sp.coo_array(
        (np.ones(citing.size), (citing, cited)), shape=(nodes, nodes), dtype=np.float64
    ).tocsr()
    matrix.data[:] = 1.0
    return matrix


def local_citations(matrix: sp.csr_array) -> NDArray[np.int64]:
    """Each node's citations from the other nodes (its in-degree)."""
    counts: NDArray[np.int64] = np.diff(matrix.tocsc().indptr).astype(np.int64)
    return counts


def pagerank(matrix: sp.csr_array) -> NDArray[np.float64]:
    """Each node's PageRank (damping `ALPHA`; a node citing nothing spreads its rank over
    every node), by power iteration until the L1 change is under nodes x `TOLERANCE`."""
    nodes = matrix.shape[0]
    if nodes == 0:
        return np.zeros(0)
    out_degree = matrix.sum(axis=1)
    out_degree[out_degree != 0] = 1.0 / out_degree[out_degree != 0]
    transition = sp.dia_array((out_degree.T, 0), shape=matrix.shape).tocsr() @ matrix
    uniform = np.repeat(1.0 / nodes, nodes)
    dangling = np.where(out_degree == 0)[0]
    rank = uniform
    for _ in range(MAX_ITERATIONS):
        last = rank
        # Python's sum, element by element, as NetworkX adds the dangling nodes' rank:
        # numpy's pairwise sum would differ in the last bits.
        spread = sum(rank[dangling])
        rank = ALPHA * (rank @ transition + spread * uniform) + (1 - ALPHA) * uniform
        if np.absolute(rank - last).sum() < nodes * TOLERANCE:
            found: NDArray[np.float64] = np.asarray(rank, dtype=np.float64)
            return found
    raise SurveyError(f"PageRank did not converge in {MAX_ITERATIONS} iterations")


def on_cycles(matrix: sp.csr_array) -> NDArray[np.int64]:
    """The nodes on some citation cycle, sorted: those of a strongly connected component
    of two or more nodes, and those citing themselves."""
    _, component = connected_components(matrix, directed=True, connection="strong")
    sizes = np.bincount(component)
    cyclic = (sizes[component] > 1) | (matrix.diagonal() != 0)
    found: NDArray[np.int64] = np.flatnonzero(cyclic).astype(np.int64)
    return found
