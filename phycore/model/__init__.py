"""The data layer: read a Kilosort/phy folder into a :class:`TemplateModel`.

``load_model(params_path)`` parses ``params.py`` as data and memory-maps the folder;
``TemplateModel.from_arrays(...)`` builds a model from in-memory arrays.
``phycore.model.synthetic.make_dataset`` writes a complete synthetic folder.
Live acquisition: ``check_batch`` validates a batch of new spikes against a model and
``apply_batch`` appends it (``TemplateModel.append_spikes`` does both);
``GrowableArray`` and ``TemplateMembership`` are the growable buffers and the live
template-to-cluster counts other packages keep in step with the model.

.. versionadded:: 0.1
"""

from __future__ import annotations

from phycore.model._batch import SpikeBatch, check_batch
from phycore.model._growable import GrowableArray
from phycore.model._membership import TemplateMembership
from phycore.model._templates import Template
from phycore.model.params import get_template_params, read_params
from phycore.model.raw import RawTraces
from phycore.model.template_model import SparseData, TemplateModel, apply_batch, load_model

__all__ = [
    "TemplateModel",
    "load_model",
    "read_params",
    "get_template_params",
    "RawTraces",
    "SparseData",
    "Template",
    "SpikeBatch",
    "check_batch",
    "apply_batch",
    "GrowableArray",
    "TemplateMembership",
]
