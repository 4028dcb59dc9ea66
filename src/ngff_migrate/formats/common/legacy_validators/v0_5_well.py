"""NGFF 0.5 'well' validator, GENERATED from schemas/0.5/well.schema: do not edit.

Regenerate with ``python scripts/make_legacy_validators.py``.
"""
# generator: scripts/make_legacy_validators.py with fastjsonschema 2.22.3
# schemas:
#   0.5/_version.schema  sha256 26c03746999987ae695a4d0efb2ae56503dd69b7b80320732f2a04a540ef91d5
#   0.5/well.schema  sha256 03f2bb88aa66de9d46d5b6bd2e935dabafcd452f6cbbbd671e1f2688a7df6b55
# ruff: noqa
# fmt: off
from decimal import Decimal
import re
from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[A-Za-z0-9]+$': re.compile('^[A-Za-z0-9]+\\Z')
}

NoneType = type(None)

def validate_https___ngff_openmicroscopy_org_0_5_schemas_well_schema(data, custom_formats={}, name_prefix=None):
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
                data__ome__missing_keys = set(['well', 'version']) - data__ome.keys()
                if data__ome__missing_keys:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome must contain " + (str(sorted(data__ome__missing_keys)) + " properties"), value=data__ome, name="" + (name_prefix or "data") + ".ome", rule='required'))
                data__ome_keys = set(data__ome.keys())
                if "well" in data__ome_keys:
                    data__ome_keys.remove("well")
                    data__ome__well = data__ome["well"]
                    if not isinstance(data__ome__well, (dict)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well must be object", value=data__ome__well, name="" + (name_prefix or "data") + ".ome.well", rule='type'))
                    data__ome__well_is_dict = isinstance(data__ome__well, dict)
                    if data__ome__well_is_dict:
                        data__ome__well__missing_keys = set(['images']) - data__ome__well.keys()
                        if data__ome__well__missing_keys:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well must contain " + (str(sorted(data__ome__well__missing_keys)) + " properties"), value=data__ome__well, name="" + (name_prefix or "data") + ".ome.well", rule='required'))
                        data__ome__well_keys = set(data__ome__well.keys())
                        if "images" in data__ome__well_keys:
                            data__ome__well_keys.remove("images")
                            data__ome__well__images = data__ome__well["images"]
                            if not isinstance(data__ome__well__images, (list, tuple)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well.images must be array", value=data__ome__well__images, name="" + (name_prefix or "data") + ".ome.well.images", rule='type'))
                            data__ome__well__images_is_list = isinstance(data__ome__well__images, (list, tuple))
                            if data__ome__well__images_is_list:
                                data__ome__well__images_len = len(data__ome__well__images)
                                if data__ome__well__images_len < 1:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well.images must contain at least 1 items", value=data__ome__well__images, name="" + (name_prefix or "data") + ".ome.well.images", rule='minItems'))
                                def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                                if data__ome__well__images_len > len(set(fn(data__ome__well__images_x) for data__ome__well__images_x in data__ome__well__images)):
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well.images must contain unique items", value=data__ome__well__images, name="" + (name_prefix or "data") + ".ome.well.images", rule='uniqueItems'))
                                for data__ome__well__images_x, data__ome__well__images_item in enumerate(data__ome__well__images):
                                    if not isinstance(data__ome__well__images_item, (dict)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}]".format(**locals()) + " must be object", value=data__ome__well__images_item, name="" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}]".format(**locals()) + "", rule='type'))
                                    data__ome__well__images_item_is_dict = isinstance(data__ome__well__images_item, dict)
                                    if data__ome__well__images_item_is_dict:
                                        data__ome__well__images_item__missing_keys = set(['path']) - data__ome__well__images_item.keys()
                                        if data__ome__well__images_item__missing_keys:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}]".format(**locals()) + " must contain " + (str(sorted(data__ome__well__images_item__missing_keys)) + " properties"), value=data__ome__well__images_item, name="" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}]".format(**locals()) + "", rule='required'))
                                        data__ome__well__images_item_keys = set(data__ome__well__images_item.keys())
                                        if "acquisition" in data__ome__well__images_item_keys:
                                            data__ome__well__images_item_keys.remove("acquisition")
                                            data__ome__well__images_item__acquisition = data__ome__well__images_item["acquisition"]
                                            if not isinstance(data__ome__well__images_item__acquisition, (int)) and not (isinstance(data__ome__well__images_item__acquisition, float) and data__ome__well__images_item__acquisition.is_integer()) or isinstance(data__ome__well__images_item__acquisition, bool):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}].acquisition".format(**locals()) + " must be integer", value=data__ome__well__images_item__acquisition, name="" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}].acquisition".format(**locals()) + "", rule='type'))
                                        if "path" in data__ome__well__images_item_keys:
                                            data__ome__well__images_item_keys.remove("path")
                                            data__ome__well__images_item__path = data__ome__well__images_item["path"]
                                            if not isinstance(data__ome__well__images_item__path, (str)):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}].path".format(**locals()) + " must be string", value=data__ome__well__images_item__path, name="" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}].path".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__well__images_item__path, str):
                                                if not REGEX_PATTERNS['^[A-Za-z0-9]+$'].search(data__ome__well__images_item__path):
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}].path".format(**locals()) + " must match pattern ^[A-Za-z0-9]+$", value=data__ome__well__images_item__path, name="" + (name_prefix or "data") + ".ome.well.images[{data__ome__well__images_x}].path".format(**locals()) + "", rule='pattern'))
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

validate = validate_https___ngff_openmicroscopy_org_0_5_schemas_well_schema
