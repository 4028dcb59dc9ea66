"""NGFF 0.5 'labels' validator, GENERATED from schemas/ngff-migrate/0.5/labels.schema: do not edit.

Regenerate with ``python scripts/make_legacy_validators.py``.
"""
# generator: scripts/make_legacy_validators.py with fastjsonschema 2.22.3
# schemas:
#   0.5/_version.schema  sha256 26c03746999987ae695a4d0efb2ae56503dd69b7b80320732f2a04a540ef91d5
#   ngff-migrate/0.5/labels.schema  sha256 7454b13a0d172f84bb757586c23c6a2d2ec339698fb4db7add2d3b6836a5e7d6
# ruff: noqa
# fmt: off
from decimal import Decimal
from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException


NoneType = type(None)

def validate_urn_ngff_migrate_0_5_labels_schema(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (dict)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['ome']) - data.keys()
        if data__missing_keys:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", rule='required'))
        data_keys = set(data.keys())
        if "ome" in data_keys:
            data_keys.remove("ome")
            data__ome = data["ome"]
            if not isinstance(data__ome, (dict)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome must be object", value=data__ome, name="" + (name_prefix or "data") + ".ome", rule='type'))
            data__ome_is_dict = isinstance(data__ome, dict)
            if data__ome_is_dict:
                data__ome__missing_keys = set(['labels', 'version']) - data__ome.keys()
                if data__ome__missing_keys:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome must contain " + (str(sorted(data__ome__missing_keys)) + " properties"), value=data__ome, name="" + (name_prefix or "data") + ".ome", rule='required'))
                data__ome_keys = set(data__ome.keys())
                if "labels" in data__ome_keys:
                    data__ome_keys.remove("labels")
                    data__ome__labels = data__ome["labels"]
                    if not isinstance(data__ome__labels, (list, tuple)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.labels must be array", value=data__ome__labels, name="" + (name_prefix or "data") + ".ome.labels", rule='type'))
                    data__ome__labels_is_list = isinstance(data__ome__labels, (list, tuple))
                    if data__ome__labels_is_list:
                        data__ome__labels_len = len(data__ome__labels)
                        for data__ome__labels_x, data__ome__labels_item in enumerate(data__ome__labels):
                            if not isinstance(data__ome__labels_item, (str)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.labels[{data__ome__labels_x}]".format(**locals()) + " must be string", value=data__ome__labels_item, name="" + (name_prefix or "data") + ".ome.labels[{data__ome__labels_x}]".format(**locals()) + "", rule='type'))
                if "version" in data__ome_keys:
                    data__ome_keys.remove("version")
                    data__ome__version = data__ome["version"]
                    try:
                        validate_https___ngff_openmicroscopy_org_0_5_schemas__version_schema(data__ome__version, custom_formats, (name_prefix or "data") + ".ome.version")
                    except JsonSchemaValuesException as e:
                        errors.extend(e.errors)
    if errors: raise JsonSchemaValuesException(errors)
    return data

def validate_https___ngff_openmicroscopy_org_0_5_schemas__version_schema(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (str)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    if not (isinstance(data, str) and data == '0.5'):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be one of ['0.5']", value=data, name="" + (name_prefix or "data") + "", rule='enum'))
    if errors: raise JsonSchemaValuesException(errors)
    return data

validate = validate_urn_ngff_migrate_0_5_labels_schema
