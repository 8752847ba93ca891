"""The Bambi/PyMC adapter: the only package of r2d2_formula that imports bambi or pymc.

One module per job, in the order data flows through them:

- :mod:`.build`: a ``bambi.Model`` with the R2D2 prior, from a validated formula and data;
- :mod:`.priors`: the prior callables Bambi calls while it builds the PyMC model;
- :mod:`.graph` and :mod:`.names`: the PyMC model behind it and the names it uses;
- :mod:`.densities`: W's log-density, log-likelihood, log-prior, conditional prior draws;
- :mod:`.posterior`: reading fits and predictions back (design, φ, contributions);
- :mod:`.serialise`: Bambi priors as plain data for saved fits;
- :mod:`.interpret`: Bambi's ``interpret`` functions on a fit.
"""

from r2d2_formula._bambi.build import bambi_namespace, build_bambi_model, likelihood_twin
from r2d2_formula._bambi.densities import (
    draw_intercept_and_theta,
    intercept_shift,
    log_likelihood,
    log_prior,
    prior_variable_names,
    sample_given,
    w_log_density,
)
from r2d2_formula._bambi.graph import dimension_names, pymc_model, vector_transformed
from r2d2_formula._bambi.interpret import interpret
from r2d2_formula._bambi.names import (
    ALR_DIM,
    ALR_OFFSET,
    COMPONENT_DIM,
    OBSERVATION_DIM,
    family_parameters,
    summary_variables,
)
from r2d2_formula._bambi.posterior import (
    keep_observations,
    phi_draws,
    prediction_draws,
    read_design,
    response_levels,
    variance_contributions,
    with_predictions,
)
from r2d2_formula._bambi.serialise import prior_from_dict, prior_to_dict

__all__ = [
    "interpret",
    "ALR_DIM",
    "ALR_OFFSET",
    "COMPONENT_DIM",
    "OBSERVATION_DIM",
    "bambi_namespace",
    "build_bambi_model",
    "dimension_names",
    "draw_intercept_and_theta",
    "intercept_shift",
    "keep_observations",
    "likelihood_twin",
    "log_likelihood",
    "log_prior",
    "phi_draws",
    "prediction_draws",
    "response_levels",
    "prior_from_dict",
    "prior_to_dict",
    "prior_variable_names",
    "pymc_model",
    "read_design",
    "sample_given",
    "family_parameters",
    "summary_variables",
    "variance_contributions",
    "vector_transformed",
    "w_log_density",
    "with_predictions",
]
