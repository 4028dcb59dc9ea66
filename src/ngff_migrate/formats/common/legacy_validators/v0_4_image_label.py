"""NGFF 0.4 'image-label' validator, GENERATED from schemas/0.4/label.schema: do not edit.

Regenerate with ``python scripts/make_legacy_validators.py``.
"""
# generator: scripts/make_legacy_validators.py with fastjsonschema 2.22.3
# schemas:
#   0.4/label.schema  sha256 f2eeebaf37f1045136812129b78e4dd639f7297e61e2d2b11533999b52402065
# ruff: noqa
# fmt: off
from decimal import Decimal
from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException


NoneType = type(None)

def validate_https___ngff_openmicroscopy_org_0_4_schemas_label_schema(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (dict)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "image-label" in data_keys:
            data_keys.remove("image-label")
            data__imagelabel = data["image-label"]
            if not isinstance(data__imagelabel, (dict)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label must be object", value=data__imagelabel, name="" + (name_prefix or "data") + ".image-label", rule='type'))
            data__imagelabel_is_dict = isinstance(data__imagelabel, dict)
            if data__imagelabel_is_dict:
                data__imagelabel_keys = set(data__imagelabel.keys())
                if "colors" in data__imagelabel_keys:
                    data__imagelabel_keys.remove("colors")
                    data__imagelabel__colors = data__imagelabel["colors"]
                    if not isinstance(data__imagelabel__colors, (list, tuple)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors must be array", value=data__imagelabel__colors, name="" + (name_prefix or "data") + ".image-label.colors", rule='type'))
                    data__imagelabel__colors_is_list = isinstance(data__imagelabel__colors, (list, tuple))
                    if data__imagelabel__colors_is_list:
                        data__imagelabel__colors_len = len(data__imagelabel__colors)
                        if data__imagelabel__colors_len < 1:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors must contain at least 1 items", value=data__imagelabel__colors, name="" + (name_prefix or "data") + ".image-label.colors", rule='minItems'))
                        def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                        if data__imagelabel__colors_len > len(set(fn(data__imagelabel__colors_x) for data__imagelabel__colors_x in data__imagelabel__colors)):
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors must contain unique items", value=data__imagelabel__colors, name="" + (name_prefix or "data") + ".image-label.colors", rule='uniqueItems'))
                        for data__imagelabel__colors_x, data__imagelabel__colors_item in enumerate(data__imagelabel__colors):
                            if not isinstance(data__imagelabel__colors_item, (dict)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}]".format(**locals()) + " must be object", value=data__imagelabel__colors_item, name="" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}]".format(**locals()) + "", rule='type'))
                            data__imagelabel__colors_item_is_dict = isinstance(data__imagelabel__colors_item, dict)
                            if data__imagelabel__colors_item_is_dict:
                                data__imagelabel__colors_item__missing_keys = set(['label-value']) - data__imagelabel__colors_item.keys()
                                if data__imagelabel__colors_item__missing_keys:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}]".format(**locals()) + " must contain " + (str(sorted(data__imagelabel__colors_item__missing_keys)) + " properties"), value=data__imagelabel__colors_item, name="" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}]".format(**locals()) + "", rule='required'))
                                data__imagelabel__colors_item_keys = set(data__imagelabel__colors_item.keys())
                                if "label-value" in data__imagelabel__colors_item_keys:
                                    data__imagelabel__colors_item_keys.remove("label-value")
                                    data__imagelabel__colors_item__labelvalue = data__imagelabel__colors_item["label-value"]
                                    if not isinstance(data__imagelabel__colors_item__labelvalue, (int, float, Decimal)) or isinstance(data__imagelabel__colors_item__labelvalue, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].label-value".format(**locals()) + " must be number", value=data__imagelabel__colors_item__labelvalue, name="" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].label-value".format(**locals()) + "", rule='type'))
                                if "rgba" in data__imagelabel__colors_item_keys:
                                    data__imagelabel__colors_item_keys.remove("rgba")
                                    data__imagelabel__colors_item__rgba = data__imagelabel__colors_item["rgba"]
                                    if not isinstance(data__imagelabel__colors_item__rgba, (list, tuple)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba".format(**locals()) + " must be array", value=data__imagelabel__colors_item__rgba, name="" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba".format(**locals()) + "", rule='type'))
                                    data__imagelabel__colors_item__rgba_is_list = isinstance(data__imagelabel__colors_item__rgba, (list, tuple))
                                    if data__imagelabel__colors_item__rgba_is_list:
                                        data__imagelabel__colors_item__rgba_len = len(data__imagelabel__colors_item__rgba)
                                        if data__imagelabel__colors_item__rgba_len < 4:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba".format(**locals()) + " must contain at least 4 items", value=data__imagelabel__colors_item__rgba, name="" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba".format(**locals()) + "", rule='minItems'))
                                        if data__imagelabel__colors_item__rgba_len > 4:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba".format(**locals()) + " must contain less than or equal to 4 items", value=data__imagelabel__colors_item__rgba, name="" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba".format(**locals()) + "", rule='maxItems'))
                                        for data__imagelabel__colors_item__rgba_x, data__imagelabel__colors_item__rgba_item in enumerate(data__imagelabel__colors_item__rgba):
                                            if not isinstance(data__imagelabel__colors_item__rgba_item, (int)) and not (isinstance(data__imagelabel__colors_item__rgba_item, float) and data__imagelabel__colors_item__rgba_item.is_integer()) or isinstance(data__imagelabel__colors_item__rgba_item, bool):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba[{data__imagelabel__colors_item__rgba_x}]".format(**locals()) + " must be integer", value=data__imagelabel__colors_item__rgba_item, name="" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba[{data__imagelabel__colors_item__rgba_x}]".format(**locals()) + "", rule='type'))
                                            if isinstance(data__imagelabel__colors_item__rgba_item, (int, float, Decimal)) and not isinstance(data__imagelabel__colors_item__rgba_item, bool):
                                                if data__imagelabel__colors_item__rgba_item < 0:
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba[{data__imagelabel__colors_item__rgba_x}]".format(**locals()) + " must be bigger than or equal to 0", value=data__imagelabel__colors_item__rgba_item, name="" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba[{data__imagelabel__colors_item__rgba_x}]".format(**locals()) + "", rule='minimum'))
                                                if data__imagelabel__colors_item__rgba_item > 255:
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba[{data__imagelabel__colors_item__rgba_x}]".format(**locals()) + " must be smaller than or equal to 255", value=data__imagelabel__colors_item__rgba_item, name="" + (name_prefix or "data") + ".image-label.colors[{data__imagelabel__colors_x}].rgba[{data__imagelabel__colors_item__rgba_x}]".format(**locals()) + "", rule='maximum'))
                if "properties" in data__imagelabel_keys:
                    data__imagelabel_keys.remove("properties")
                    data__imagelabel__properties = data__imagelabel["properties"]
                    if not isinstance(data__imagelabel__properties, (list, tuple)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.properties must be array", value=data__imagelabel__properties, name="" + (name_prefix or "data") + ".image-label.properties", rule='type'))
                    data__imagelabel__properties_is_list = isinstance(data__imagelabel__properties, (list, tuple))
                    if data__imagelabel__properties_is_list:
                        data__imagelabel__properties_len = len(data__imagelabel__properties)
                        if data__imagelabel__properties_len < 1:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.properties must contain at least 1 items", value=data__imagelabel__properties, name="" + (name_prefix or "data") + ".image-label.properties", rule='minItems'))
                        def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                        if data__imagelabel__properties_len > len(set(fn(data__imagelabel__properties_x) for data__imagelabel__properties_x in data__imagelabel__properties)):
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.properties must contain unique items", value=data__imagelabel__properties, name="" + (name_prefix or "data") + ".image-label.properties", rule='uniqueItems'))
                        for data__imagelabel__properties_x, data__imagelabel__properties_item in enumerate(data__imagelabel__properties):
                            if not isinstance(data__imagelabel__properties_item, (dict)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.properties[{data__imagelabel__properties_x}]".format(**locals()) + " must be object", value=data__imagelabel__properties_item, name="" + (name_prefix or "data") + ".image-label.properties[{data__imagelabel__properties_x}]".format(**locals()) + "", rule='type'))
                            data__imagelabel__properties_item_is_dict = isinstance(data__imagelabel__properties_item, dict)
                            if data__imagelabel__properties_item_is_dict:
                                data__imagelabel__properties_item__missing_keys = set(['label-value']) - data__imagelabel__properties_item.keys()
                                if data__imagelabel__properties_item__missing_keys:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.properties[{data__imagelabel__properties_x}]".format(**locals()) + " must contain " + (str(sorted(data__imagelabel__properties_item__missing_keys)) + " properties"), value=data__imagelabel__properties_item, name="" + (name_prefix or "data") + ".image-label.properties[{data__imagelabel__properties_x}]".format(**locals()) + "", rule='required'))
                                data__imagelabel__properties_item_keys = set(data__imagelabel__properties_item.keys())
                                if "label-value" in data__imagelabel__properties_item_keys:
                                    data__imagelabel__properties_item_keys.remove("label-value")
                                    data__imagelabel__properties_item__labelvalue = data__imagelabel__properties_item["label-value"]
                                    if not isinstance(data__imagelabel__properties_item__labelvalue, (int)) and not (isinstance(data__imagelabel__properties_item__labelvalue, float) and data__imagelabel__properties_item__labelvalue.is_integer()) or isinstance(data__imagelabel__properties_item__labelvalue, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.properties[{data__imagelabel__properties_x}].label-value".format(**locals()) + " must be integer", value=data__imagelabel__properties_item__labelvalue, name="" + (name_prefix or "data") + ".image-label.properties[{data__imagelabel__properties_x}].label-value".format(**locals()) + "", rule='type'))
                if "source" in data__imagelabel_keys:
                    data__imagelabel_keys.remove("source")
                    data__imagelabel__source = data__imagelabel["source"]
                    if not isinstance(data__imagelabel__source, (dict)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.source must be object", value=data__imagelabel__source, name="" + (name_prefix or "data") + ".image-label.source", rule='type'))
                    data__imagelabel__source_is_dict = isinstance(data__imagelabel__source, dict)
                    if data__imagelabel__source_is_dict:
                        data__imagelabel__source_keys = set(data__imagelabel__source.keys())
                        if "image" in data__imagelabel__source_keys:
                            data__imagelabel__source_keys.remove("image")
                            data__imagelabel__source__image = data__imagelabel__source["image"]
                            if not isinstance(data__imagelabel__source__image, (str)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.source.image must be string", value=data__imagelabel__source__image, name="" + (name_prefix or "data") + ".image-label.source.image", rule='type'))
                if "version" in data__imagelabel_keys:
                    data__imagelabel_keys.remove("version")
                    data__imagelabel__version = data__imagelabel["version"]
                    if not isinstance(data__imagelabel__version, (str)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.version must be string", value=data__imagelabel__version, name="" + (name_prefix or "data") + ".image-label.version", rule='type'))
                    if not (isinstance(data__imagelabel__version, str) and data__imagelabel__version == '0.4'):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".image-label.version must be one of ['0.4']", value=data__imagelabel__version, name="" + (name_prefix or "data") + ".image-label.version", rule='enum'))
    if errors: raise JsonSchemaValuesException(errors)
    return data

validate = validate_https___ngff_openmicroscopy_org_0_4_schemas_label_schema
