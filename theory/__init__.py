"""Symbolic theory of Lagrangian associative memories (SymPy only).

Public names are re-exported here; see the README's quick reference.
"""

from . import denoising, lagrangians, moments
from .calculus import StructuredHessian, grad, hessian, hvp, vjp, vsimplify
from .capacity import CapacityError, CapacityLaw, LargeDeviation, Scaling, capacity_law
from .certificate import Certificate, certify, verify_counterexample
from .lagrangians import Lagrangian, LagrangianError
from .layers import Layer, ModelError
from .marginalize import Reduction, integrate_out
from .mean_field import MeanField, MeanFieldError, SiteMeasure
from .model import EnergyModel, EnergyRateCheck, LyapunovReport
from .ott_antonsen import OttAntonsen
from .parsing import ParseError, parse
from .phase_capacity import PhaseCapacityError, PhaseCapacityLaw, phase_capacity_law
from .rescaling import Coupling, DirectedModel, NoEnergyError, Symmetrization
from .specs import SpecError, builtin, builtin_names, builtin_spec, from_dict, load, variant_spec
from .symmetries import Symmetry, global_phase
from .synapses import Synapse, bias, dense, recurrent
from .vector import (
    LogSumExp,
    MatTVec,
    MatVec,
    Ones,
    ShapeError,
    Softmax,
    Vector,
    VSum,
    Weight,
    dot,
    norm,
    size_symbol,
    vsize,
)
from .weight_gradients import WeightGradient, weight_grad

__all__ = [
    "denoising",
    "lagrangians",
    "moments",
    "capacity_law",
    "phase_capacity_law",
    "PhaseCapacityLaw",
    "PhaseCapacityError",
    "CapacityLaw",
    "CapacityError",
    "Scaling",
    "LargeDeviation",
    "grad",
    "vjp",
    "hvp",
    "hessian",
    "vsimplify",
    "StructuredHessian",
    "Certificate",
    "certify",
    "verify_counterexample",
    "Lagrangian",
    "LagrangianError",
    "Layer",
    "ModelError",
    "Reduction",
    "integrate_out",
    "MeanField",
    "MeanFieldError",
    "SiteMeasure",
    "OttAntonsen",
    "Symmetry",
    "global_phase",
    "EnergyModel",
    "EnergyRateCheck",
    "LyapunovReport",
    "ParseError",
    "parse",
    "Coupling",
    "DirectedModel",
    "NoEnergyError",
    "Symmetrization",
    "SpecError",
    "builtin",
    "builtin_names",
    "builtin_spec",
    "variant_spec",
    "from_dict",
    "load",
    "Synapse",
    "bias",
    "dense",
    "recurrent",
    "Vector",
    "Weight",
    "Ones",
    "MatVec",
    "MatTVec",
    "VSum",
    "LogSumExp",
    "Softmax",
    "ShapeError",
    "dot",
    "norm",
    "size_symbol",
    "vsize",
    "weight_grad",
    "WeightGradient",
]
