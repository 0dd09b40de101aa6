"""The lab-1.4.4 references against independent oracles: closed forms,
brute-force searches, loops of outer products and central differences."""
import numpy as np
import pytest

from autograder.references import lora as ref


def matrix_with_spectrum(S, m, n, rng):
    """An (m, n) matrix whose singular values are exactly S (len(S) == min(m, n))."""
    U, _ = np.linalg.qr(rng.standard_normal((m, len(S))))
    V, _ = np.linalg.qr(rng.standard_normal((n, len(S))))
    return (U * S) @ V.T


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.mark.parametrize("m,n", [(7, 4), (4, 7), (6, 6)])
def test_low_rank_approx_is_sum_of_rank_one_terms(m, n, rng):
    W = rng.standard_normal((m, n))
    U, S, Vt = np.linalg.svd(W)
    for r in range(min(m, n) + 1):
        expected = sum((S[i] * np.outer(U[:, i], Vt[i]) for i in range(r)), np.zeros((m, n)))
        got = ref.low_rank_approx(W, r)
        assert got.shape == (m, n)
        assert np.linalg.matrix_rank(got) == r
        np.testing.assert_allclose(got, expected, atol=1e-12)


def test_low_rank_approx_beats_other_rank_r_matrices(rng):
    W = rng.standard_normal((9, 5))
    best = np.linalg.norm(W - ref.low_rank_approx(W, 2))
    for _ in range(200):
        Q, _ = np.linalg.qr(rng.standard_normal((9, 2)))  # any rank-2 column space
        assert np.linalg.norm(W - Q @ (Q.T @ W)) >= best - 1e-12


def test_relative_error_is_tail_of_singular_values(rng):
    S = np.array([5.0, 3.0, 2.0, 1.0, 0.5])
    W = matrix_with_spectrum(S, 8, 5, rng)
    for r in range(6):
        expected = np.sqrt(np.sum(S[r:] ** 2) / np.sum(S ** 2))
        assert ref.relative_approx_error(W, r) == pytest.approx(expected, abs=1e-13)


def test_energy_rank_closed_forms():
    S = np.array([4.0, 3.0])                              # energies 16, 9 of 25
    assert ref.energy_rank(S, 0.64) == 1                  # 16/25 sits exactly on 0.64
    assert ref.energy_rank(S, 0.64 + 1e-9) == 2
    assert ref.energy_rank(S, 0.0) == 0
    assert ref.energy_rank(S, 1.0) == 2
    assert ref.energy_rank(np.array([1.0, 1.0, 1.0, 1.0]), 0.95) == 4
    # squares, not values: [3, 1] holds 90 % of the energy in the first value, 75 % of the sum
    assert ref.energy_rank(np.array([3.0, 1.0]), 0.8) == 1


def test_energy_rank_matches_brute_force(rng):
    for _ in range(50):
        S = np.sort(rng.random(rng.integers(1, 20)))[::-1]
        t = rng.random()
        brute = next(r for r in range(len(S) + 1) if np.sum(S[:r] ** 2) >= t * np.sum(S ** 2))
        assert ref.energy_rank(S, t) == brute


@pytest.mark.parametrize("m,n", [(30, 12), (12, 30)])
def test_find_optimal_rank_matches_svd_loop(m, n, rng):
    W = matrix_with_spectrum(0.6 ** np.arange(min(m, n)), m, n, rng) + 1e-3 * rng.standard_normal((m, n))
    errors = [ref.relative_approx_error(W, r) for r in range(min(m, n) + 1)]
    for target in [0.0, 1e-4, 0.01, 0.1, 0.5, 0.99, 1.0]:
        brute = next(r for r, e in enumerate(errors) if e <= target + ref.TOL)
        assert ref.find_optimal_rank(W, target) == brute


def test_find_optimal_rank_on_boundaries(rng):
    S = np.array([10.0, 6.0, 3.0, 1.0, 0.5, 0.1])
    W = matrix_with_spectrum(S, 9, 6, rng)
    for r in range(len(S) + 1):
        e_r = np.sqrt(np.sum(S[r:] ** 2) / np.sum(S ** 2))
        assert ref.find_optimal_rank(W, e_r * (1 + 1e-9)) == r            # just reached
        if r < len(S):
            assert ref.find_optimal_rank(W, e_r * (1 - 1e-6)) == r + 1    # just missed


def test_param_counts_and_quick_reference_table():
    assert ref.lora_param_counts(200, 300, 8) == (60000, 4000)
    for d, full, lora, saved in [(768, 589824, 24576, 95.83), (4096, 16777216, 131072, 99.22),
                                 (8192, 67108864, 262144, 99.61)]:
        assert ref.lora_param_counts(d, d, 16) == (full, lora)
        assert ref.lora_savings_percent(d, d, 16) == pytest.approx(saved, abs=0.01)


def test_init_lora(rng):
    B, A = ref.init_lora(500, 300, 8, rng)
    assert B.shape == (300, 8) and not B.any()
    assert A.shape == (8, 500)
    assert 0.8 / np.sqrt(500) < A.std() < 1.2 / np.sqrt(500)
    _, A_again = ref.init_lora(500, 300, 8, np.random.default_rng(1234))
    np.testing.assert_array_equal(A, A_again)  # A is drawn from rng only (the fixture's seed)
    W = rng.standard_normal((300, 500))
    np.testing.assert_array_equal(ref.merge_lora(W, B, A, 16, 8), W)


def test_forward_equals_merged_weight(rng):
    d_in, d_out, r, alpha = 7, 5, 3, 6.0
    W, B, A = rng.standard_normal((d_out, d_in)), rng.standard_normal((d_out, r)), rng.standard_normal((r, d_in))
    x = rng.standard_normal((d_in, 4))
    np.testing.assert_allclose(ref.lora_forward(x, W, B, A, alpha, r),
                               ref.merge_lora(W, B, A, alpha, r) @ x, rtol=1e-12)
    np.testing.assert_allclose(ref.merge_lora(W, B, A, alpha, r), W + 2.0 * B @ A, rtol=1e-12)


def central_difference(f, P, eps=1e-6):
    grad = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        Pp, Pm = P.copy(), P.copy()
        Pp[idx] += eps
        Pm[idx] -= eps
        grad[idx] = (f(Pp) - f(Pm)) / (2 * eps)
    return grad


def test_lora_backward_against_central_differences(rng):
    d_in, d_out, r, alpha, batch = 6, 4, 3, 5.0, 7
    W, B, A = rng.standard_normal((d_out, d_in)), rng.standard_normal((d_out, r)), rng.standard_normal((r, d_in))
    x, G = rng.standard_normal((d_in, batch)), rng.standard_normal((d_out, batch))
    loss = lambda B_, A_: np.sum(G * ref.lora_forward(x, W, B_, A_, alpha, r))  # dL/dy = G
    dB, dA = ref.lora_backward(G, x, B, A, alpha, r)
    np.testing.assert_allclose(dB, central_difference(lambda P: loss(P, A), B), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(dA, central_difference(lambda P: loss(B, P), A), rtol=1e-7, atol=1e-8)


def test_inputs_are_not_modified(rng):
    W, x, G = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    B, A = rng.standard_normal((5, 2)), rng.standard_normal((2, 4))
    copies = [a.copy() for a in (W, x, G, B, A)]
    ref.low_rank_approx(W, 2), ref.relative_approx_error(W, 2), ref.find_optimal_rank(W, 0.1)
    ref.lora_forward(x, W, B, A, 4, 2), ref.lora_backward(G, x, B, A, 4, 2), ref.merge_lora(W, B, A, 4, 2)
    for a, c in zip((W, x, G, B, A), copies):
        np.testing.assert_array_equal(a, c)
