"""NGFF 0.5 'image-label' validator, GENERATED from schemas/0.5/label.schema: do not edit.

Regenerate with ``python scripts/make_legacy_validators.py``.
"""
# generator: scripts/make_legacy_validators.py with fastjsonschema 2.22.3
# schemas:
#   0.5/_version.schema  sha256 26c03746999987ae695a4d0efb2ae56503dd69b7b80320732f2a04a540ef91d5
#   0.5/label.schema  sha256 9f8bfd0cc0d50c6680dd39abe9b569e53283651933fac56d3b82ca8345740aec
# ruff: noqa
# fmt: off
from decimal import Decimal
from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException


NoneType = type(None)

def validate_https___ngff_openmicroscopy_org_0_5_schemas_label_schema(data, custom_formats={}, name_prefix=None):
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
                data__ome__missing_keys = set(['image-label', 'version']) - data__ome.keys()
                if data__ome__missing_keys:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome must contain " + (str(sorted(data__ome__missing_keys)) + " properties"), value=data__ome, name="" + (name_prefix or "data") + ".ome", rule='required'))
                data__ome_keys = set(data__ome.keys())
                if "image-label" in data__ome_keys:
                    data__ome_keys.remove("image-label")
                    data__ome__imagelabel = data__ome["image-label"]
                    try:
                        validate_https___ngff_openmicroscopy_org_0_5_schemas_label_schema___defs_image_label(data__ome__imagelabel, custom_formats, (name_prefix or "data") + ".ome.image-label")
                    except JsonSchemaValuesException as e:
                        errors.extend(e.errors)
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

def validate_https___ngff_openmicroscopy_org_0_5_schemas_label_schema___defs_image_label(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (dict)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "colors" in data_keys:
            data_keys.remove("colors")
            data__colors = data["colors"]
            if not isinstance(data__colors, (list, tuple)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors must be array", value=data__colors, name="" + (name_prefix or "data") + ".colors", rule='type'))
            data__colors_is_list = isinstance(data__colors, (list, tuple))
            if data__colors_is_list:
                data__colors_len = len(data__colors)
                if data__colors_len < 1:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors must contain at least 1 items", value=data__colors, name="" + (name_prefix or "data") + ".colors", rule='minItems'))
                def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                if data__colors_len > len(set(fn(data__colors_x) for data__colors_x in data__colors)):
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors must contain unique items", value=data__colors, name="" + (name_prefix or "data") + ".colors", rule='uniqueItems'))
                for data__colors_x, data__colors_item in enumerate(data__colors):
                    if not isinstance(data__colors_item, (dict)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors[{data__colors_x}]".format(**locals()) + " must be object", value=data__colors_item, name="" + (name_prefix or "data") + ".colors[{data__colors_x}]".format(**locals()) + "", rule='type'))
                    data__colors_item_is_dict = isinstance(data__colors_item, dict)
                    if data__colors_item_is_dict:
                        data__colors_item__missing_keys = set(['label-value']) - data__colors_item.keys()
                        if data__colors_item__missing_keys:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors[{data__colors_x}]".format(**locals()) + " must contain " + (str(sorted(data__colors_item__missing_keys)) + " properties"), value=data__colors_item, name="" + (name_prefix or "data") + ".colors[{data__colors_x}]".format(**locals()) + "", rule='required'))
                        data__colors_item_keys = set(data__colors_item.keys())
                        if "label-value" in data__colors_item_keys:
                            data__colors_item_keys.remove("label-value")
                            data__colors_item__labelvalue = data__colors_item["label-value"]
                            if not isinstance(data__colors_item__labelvalue, (int, float, Decimal)) or isinstance(data__colors_item__labelvalue, bool):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors[{data__colors_x}].label-value".format(**locals()) + " must be number", value=data__colors_item__labelvalue, name="" + (name_prefix or "data") + ".colors[{data__colors_x}].label-value".format(**locals()) + "", rule='type'))
                        if "rgba" in data__colors_item_keys:
                            data__colors_item_keys.remove("rgba")
                            data__colors_item__rgba = data__colors_item["rgba"]
                            if not isinstance(data__colors_item__rgba, (list, tuple)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba".format(**locals()) + " must be array", value=data__colors_item__rgba, name="" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba".format(**locals()) + "", rule='type'))
                            data__colors_item__rgba_is_list = isinstance(data__colors_item__rgba, (list, tuple))
                            if data__colors_item__rgba_is_list:
                                data__colors_item__rgba_len = len(data__colors_item__rgba)
                                if data__colors_item__rgba_len < 4:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba".format(**locals()) + " must contain at least 4 items", value=data__colors_item__rgba, name="" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba".format(**locals()) + "", rule='minItems'))
                                if data__colors_item__rgba_len > 4:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba".format(**locals()) + " must contain less than or equal to 4 items", value=data__colors_item__rgba, name="" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba".format(**locals()) + "", rule='maxItems'))
                                for data__colors_item__rgba_x, data__colors_item__rgba_item in enumerate(data__colors_item__rgba):
                                    if not isinstance(data__colors_item__rgba_item, (int)) and not (isinstance(data__colors_item__rgba_item, float) and data__colors_item__rgba_item.is_integer()) or isinstance(data__colors_item__rgba_item, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba[{data__colors_item__rgba_x}]".format(**locals()) + " must be integer", value=data__colors_item__rgba_item, name="" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba[{data__colors_item__rgba_x}]".format(**locals()) + "", rule='type'))
                                    if isinstance(data__colors_item__rgba_item, (int, float, Decimal)) and not isinstance(data__colors_item__rgba_item, bool):
                                        if data__colors_item__rgba_item < 0:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba[{data__colors_item__rgba_x}]".format(**locals()) + " must be bigger than or equal to 0", value=data__colors_item__rgba_item, name="" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba[{data__colors_item__rgba_x}]".format(**locals()) + "", rule='minimum'))
                                        if data__colors_item__rgba_item > 255:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba[{data__colors_item__rgba_x}]".format(**locals()) + " must be smaller than or equal to 255", value=data__colors_item__rgba_item, name="" + (name_prefix or "data") + ".colors[{data__colors_x}].rgba[{data__colors_item__rgba_x}]".format(**locals()) + "", rule='maximum'))
        if "properties" in data_keys:
            data_keys.remove("properties")
            data__properties = data["properties"]
            if not isinstance(data__properties, (list, tuple)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".properties must be array", value=data__properties, name="" + (name_prefix or "data") + ".properties", rule='type'))
            data__properties_is_list = isinstance(data__properties, (list, tuple))
            if data__properties_is_list:
                data__properties_len = len(data__properties)
                if data__properties_len < 1:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".properties must contain at least 1 items", value=data__properties, name="" + (name_prefix or "data") + ".properties", rule='minItems'))
                def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                if data__properties_len > len(set(fn(data__properties_x) for data__properties_x in data__properties)):
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".properties must contain unique items", value=data__properties, name="" + (name_prefix or "data") + ".properties", rule='uniqueItems'))
                for data__properties_x, data__properties_item in enumerate(data__properties):
                    if not isinstance(data__properties_item, (dict)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".properties[{data__properties_x}]".format(**locals()) + " must be object", value=data__properties_item, name="" + (name_prefix or "data") + ".properties[{data__properties_x}]".format(**locals()) + "", rule='type'))
                    data__properties_item_is_dict = isinstance(data__properties_item, dict)
                    if data__properties_item_is_dict:
                        data__properties_item__missing_keys = set(['label-value']) - data__properties_item.keys()
                        if data__properties_item__missing_keys:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".properties[{data__properties_x}]".format(**locals()) + " must contain " + (str(sorted(data__properties_item__missing_keys)) + " properties"), value=data__properties_item, name="" + (name_prefix or "data") + ".properties[{data__properties_x}]".format(**locals()) + "", rule='required'))
                        data__properties_item_keys = set(data__properties_item.keys())
                        if "label-value" in data__properties_item_keys:
                            data__properties_item_keys.remove("label-value")
                            data__properties_item__labelvalue = data__properties_item["label-value"]
                            if not isinstance(data__properties_item__labelvalue, (int)) and not (isinstance(data__properties_item__labelvalue, float) and data__properties_item__labelvalue.is_integer()) or isinstance(data__properties_item__labelvalue, bool):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".properties[{data__properties_x}].label-value".format(**locals()) + " must be integer", value=data__properties_item__labelvalue, name="" + (name_prefix or "data") + ".properties[{data__properties_x}].label-value".format(**locals()) + "", rule='type'))
        if "source" in data_keys:
            data_keys.remove("source")
            data__source = data["source"]
            if not isinstance(data__source, (dict)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".source must be object", value=data__source, name="" + (name_prefix or "data") + ".source", rule='type'))
            data__source_is_dict = isinstance(data__source, dict)
            if data__source_is_dict:
                data__source_keys = set(data__source.keys())
                if "image" in data__source_keys:
                    data__source_keys.remove("image")
                    data__source__image = data__source["image"]
                    if not isinstance(data__source__image, (str)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".source.image must be string", value=data__source__image, name="" + (name_prefix or "data") + ".source.image", rule='type'))
    if errors: raise JsonSchemaValuesException(errors)
    return data

validate = validate_https___ngff_openmicroscopy_org_0_5_schemas_label_schema
