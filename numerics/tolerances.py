"""Named tolerances used by tests and checks, in one place.

Each is a relative or absolute bound with the reason it has that size.
"""

#: float64 kernel vs exact/mpmath evaluation of the same expression (a few ulps times cancellation).
KERNEL_RTOL_F64 = 1e-10
#: float32 kernel vs float64 kernel (float32 epsilon ~ 1.2e-7, times accumulation over N ~ 1e3).
KERNEL_RTOL_F32 = 2e-4
#: Model B Euler step with dt = tau vs the attention update (the issue's acceptance figure).
EULER_ATTENTION_ATOL = 1e-12
#: central finite differences with step h ~ 1e-6 in float64: truncation h^2 and rounding eps/h.
FD_RTOL = 1e-6
#: digits used by mpmath reference evaluations.
MPMATH_DPS = 50
#: stable kernels vs mpmath at 50 digits: componentwise relative error of the result ...
STABLE_RTOL = 1e-12
#: ... plus the change a relative perturbation of this size in every input causes
#: (``sum_j |x_j df/dx_j|`` times it): the mixed forward-backward bound, ~45 ulp of the inputs.
STABLE_INPUT_RTOL = 1e-14
#: the Legendre nodes (TanhLegendre, SigmoidLegendre) against mpmath over dense grids, in units of the dtype's eps:
#: beyond ``u = abs(x) = 1`` NumPy's TanhLegendre is ``log1p(t) - u (1 - t)``, whose ``u (1 - t)`` carries tanh's
#: rounding times u, at most ``u eps / 2`` while ``t < 1`` (u < 19 in float64, 9 in float32) against a value of at
#: least 0.33: under 14 eps, plus log1p's own.
LEGENDRE_EPS = 16
#: below this the true value counts as underflowed: absolute error bound.
STABLE_ATOL = 1e-300
#: working precision of the stability references: 50 correct digits survive cancellations down to 1e-300.
STABLE_REFERENCE_DPS = 400

#: a capacity-law expression evaluated in floating point against an exact or closed-form reference
LAW_RTOL = 1e-12

#: Monte Carlo agreement, in standard errors of the sample mean
MC_SIGMAS = 5.0
