"""NGFF 0.4 'labels' validator, GENERATED from schemas/ngff-migrate/0.4/labels.schema: do not edit.

Regenerate with ``python scripts/make_legacy_validators.py``.
"""
# generator: scripts/make_legacy_validators.py with fastjsonschema 2.22.3
# schemas:
#   ngff-migrate/0.4/labels.schema  sha256 8957a733e3ad75abe53fbb6b52944f7700f8fbb81b24bba988114f3b754e2992
# ruff: noqa
# fmt: off
from decimal import Decimal
from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException


NoneType = type(None)

def validate_urn_ngff_migrate_0_4_labels_schema(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (dict)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['labels']) - data.keys()
        if data__missing_keys:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", rule='required'))
        data_keys = set(data.keys())
        if "labels" in data_keys:
            data_keys.remove("labels")
            data__labels = data["labels"]
            if not isinstance(data__labels, (list, tuple)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".labels must be array", value=data__labels, name="" + (name_prefix or "data") + ".labels", rule='type'))
            data__labels_is_list = isinstance(data__labels, (list, tuple))
            if data__labels_is_list:
                data__labels_len = len(data__labels)
                for data__labels_x, data__labels_item in enumerate(data__labels):
                    if not isinstance(data__labels_item, (str)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".labels[{data__labels_x}]".format(**locals()) + " must be string", value=data__labels_item, name="" + (name_prefix or "data") + ".labels[{data__labels_x}]".format(**locals()) + "", rule='type'))
    if errors: raise JsonSchemaValuesException(errors)
    return data

validate = validate_urn_ngff_migrate_0_4_labels_schema
