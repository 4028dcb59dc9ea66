"""NGFF 0.4 'well' validator, GENERATED from schemas/0.4/well.schema: do not edit.

Regenerate with ``python scripts/make_legacy_validators.py``.
"""
# generator: scripts/make_legacy_validators.py with fastjsonschema 2.22.3
# schemas:
#   0.4/well.schema  sha256 b018d01b0243a02d06d911ed5e55ca176d9be410fdc1cdd7ad9ef8f0e9faccfa
# ruff: noqa
# fmt: off
from decimal import Decimal
import re
from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[A-Za-z0-9]+$': re.compile('^[A-Za-z0-9]+\\Z')
}

NoneType = type(None)

def validate_https___ngff_openmicroscopy_org_0_4_schemas_well_schema(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (dict)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "well" in data_keys:
            data_keys.remove("well")
            data__well = data["well"]
            if not isinstance(data__well, (dict)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well must be object", value=data__well, name="" + (name_prefix or "data") + ".well", rule='type'))
            data__well_is_dict = isinstance(data__well, dict)
            if data__well_is_dict:
                data__well__missing_keys = set(['images']) - data__well.keys()
                if data__well__missing_keys:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well must contain " + (str(sorted(data__well__missing_keys)) + " properties"), value=data__well, name="" + (name_prefix or "data") + ".well", rule='required'))
                data__well_keys = set(data__well.keys())
                if "images" in data__well_keys:
                    data__well_keys.remove("images")
                    data__well__images = data__well["images"]
                    if not isinstance(data__well__images, (list, tuple)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.images must be array", value=data__well__images, name="" + (name_prefix or "data") + ".well.images", rule='type'))
                    data__well__images_is_list = isinstance(data__well__images, (list, tuple))
                    if data__well__images_is_list:
                        data__well__images_len = len(data__well__images)
                        if data__well__images_len < 1:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.images must contain at least 1 items", value=data__well__images, name="" + (name_prefix or "data") + ".well.images", rule='minItems'))
                        def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                        if data__well__images_len > len(set(fn(data__well__images_x) for data__well__images_x in data__well__images)):
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.images must contain unique items", value=data__well__images, name="" + (name_prefix or "data") + ".well.images", rule='uniqueItems'))
                        for data__well__images_x, data__well__images_item in enumerate(data__well__images):
                            if not isinstance(data__well__images_item, (dict)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.images[{data__well__images_x}]".format(**locals()) + " must be object", value=data__well__images_item, name="" + (name_prefix or "data") + ".well.images[{data__well__images_x}]".format(**locals()) + "", rule='type'))
                            data__well__images_item_is_dict = isinstance(data__well__images_item, dict)
                            if data__well__images_item_is_dict:
                                data__well__images_item__missing_keys = set(['path']) - data__well__images_item.keys()
                                if data__well__images_item__missing_keys:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.images[{data__well__images_x}]".format(**locals()) + " must contain " + (str(sorted(data__well__images_item__missing_keys)) + " properties"), value=data__well__images_item, name="" + (name_prefix or "data") + ".well.images[{data__well__images_x}]".format(**locals()) + "", rule='required'))
                                data__well__images_item_keys = set(data__well__images_item.keys())
                                if "acquisition" in data__well__images_item_keys:
                                    data__well__images_item_keys.remove("acquisition")
                                    data__well__images_item__acquisition = data__well__images_item["acquisition"]
                                    if not isinstance(data__well__images_item__acquisition, (int)) and not (isinstance(data__well__images_item__acquisition, float) and data__well__images_item__acquisition.is_integer()) or isinstance(data__well__images_item__acquisition, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.images[{data__well__images_x}].acquisition".format(**locals()) + " must be integer", value=data__well__images_item__acquisition, name="" + (name_prefix or "data") + ".well.images[{data__well__images_x}].acquisition".format(**locals()) + "", rule='type'))
                                if "path" in data__well__images_item_keys:
                                    data__well__images_item_keys.remove("path")
                                    data__well__images_item__path = data__well__images_item["path"]
                                    if not isinstance(data__well__images_item__path, (str)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.images[{data__well__images_x}].path".format(**locals()) + " must be string", value=data__well__images_item__path, name="" + (name_prefix or "data") + ".well.images[{data__well__images_x}].path".format(**locals()) + "", rule='type'))
                                    if isinstance(data__well__images_item__path, str):
                                        if not REGEX_PATTERNS['^[A-Za-z0-9]+$'].search(data__well__images_item__path):
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.images[{data__well__images_x}].path".format(**locals()) + " must match pattern ^[A-Za-z0-9]+$", value=data__well__images_item__path, name="" + (name_prefix or "data") + ".well.images[{data__well__images_x}].path".format(**locals()) + "", rule='pattern'))
                if "version" in data__well_keys:
                    data__well_keys.remove("version")
                    data__well__version = data__well["version"]
                    if not isinstance(data__well__version, (str)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.version must be string", value=data__well__version, name="" + (name_prefix or "data") + ".well.version", rule='type'))
                    if not (isinstance(data__well__version, str) and data__well__version == '0.4'):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".well.version must be one of ['0.4']", value=data__well__version, name="" + (name_prefix or "data") + ".well.version", rule='enum'))
    if errors: raise JsonSchemaValuesException(errors)
    return data

validate = validate_https___ngff_openmicroscopy_org_0_4_schemas_well_schema
