"""NGFF 0.5 'image' validator, GENERATED from schemas/0.5/image.schema: do not edit.

Regenerate with ``python scripts/make_legacy_validators.py``.
"""
# generator: scripts/make_legacy_validators.py with fastjsonschema 2.22.3
# schemas:
#   0.5/_version.schema  sha256 26c03746999987ae695a4d0efb2ae56503dd69b7b80320732f2a04a540ef91d5
#   0.5/image.schema  sha256 eb129f72fdd91e0da5c762b0214ac96a714a562c559fc60c6f688e28644c929d
# ruff: noqa
# fmt: off
from decimal import Decimal
from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException


NoneType = type(None)

def validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema(data, custom_formats={}, name_prefix=None):
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
                data__ome__missing_keys = set(['multiscales', 'version']) - data__ome.keys()
                if data__ome__missing_keys:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome must contain " + (str(sorted(data__ome__missing_keys)) + " properties"), value=data__ome, name="" + (name_prefix or "data") + ".ome", rule='required'))
                data__ome_keys = set(data__ome.keys())
                if "multiscales" in data__ome_keys:
                    data__ome_keys.remove("multiscales")
                    data__ome__multiscales = data__ome["multiscales"]
                    try:
                        validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema___defs_multiscales(data__ome__multiscales, custom_formats, (name_prefix or "data") + ".ome.multiscales")
                    except JsonSchemaValuesException as e:
                        errors.extend(e.errors)
                if "omero" in data__ome_keys:
                    data__ome_keys.remove("omero")
                    data__ome__omero = data__ome["omero"]
                    try:
                        validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema___defs_omero(data__ome__omero, custom_formats, (name_prefix or "data") + ".ome.omero")
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

def validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema___defs_omero(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (dict)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['channels']) - data.keys()
        if data__missing_keys:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", rule='required'))
        data_keys = set(data.keys())
        if "channels" in data_keys:
            data_keys.remove("channels")
            data__channels = data["channels"]
            if not isinstance(data__channels, (list, tuple)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels must be array", value=data__channels, name="" + (name_prefix or "data") + ".channels", rule='type'))
            data__channels_is_list = isinstance(data__channels, (list, tuple))
            if data__channels_is_list:
                data__channels_len = len(data__channels)
                for data__channels_x, data__channels_item in enumerate(data__channels):
                    if not isinstance(data__channels_item, (dict)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}]".format(**locals()) + " must be object", value=data__channels_item, name="" + (name_prefix or "data") + ".channels[{data__channels_x}]".format(**locals()) + "", rule='type'))
                    data__channels_item_is_dict = isinstance(data__channels_item, dict)
                    if data__channels_item_is_dict:
                        data__channels_item_keys = set(data__channels_item.keys())
                        if "window" in data__channels_item_keys:
                            data__channels_item_keys.remove("window")
                            data__channels_item__window = data__channels_item["window"]
                            if not isinstance(data__channels_item__window, (dict)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].window".format(**locals()) + " must be object", value=data__channels_item__window, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].window".format(**locals()) + "", rule='type'))
                            data__channels_item__window_is_dict = isinstance(data__channels_item__window, dict)
                            if data__channels_item__window_is_dict:
                                data__channels_item__window__missing_keys = set(['start', 'min', 'end', 'max']) - data__channels_item__window.keys()
                                if data__channels_item__window__missing_keys:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].window".format(**locals()) + " must contain " + (str(sorted(data__channels_item__window__missing_keys)) + " properties"), value=data__channels_item__window, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].window".format(**locals()) + "", rule='required'))
                                data__channels_item__window_keys = set(data__channels_item__window.keys())
                                if "end" in data__channels_item__window_keys:
                                    data__channels_item__window_keys.remove("end")
                                    data__channels_item__window__end = data__channels_item__window["end"]
                                    if not isinstance(data__channels_item__window__end, (int, float, Decimal)) or isinstance(data__channels_item__window__end, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].window.end".format(**locals()) + " must be number", value=data__channels_item__window__end, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].window.end".format(**locals()) + "", rule='type'))
                                if "max" in data__channels_item__window_keys:
                                    data__channels_item__window_keys.remove("max")
                                    data__channels_item__window__max = data__channels_item__window["max"]
                                    if not isinstance(data__channels_item__window__max, (int, float, Decimal)) or isinstance(data__channels_item__window__max, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].window.max".format(**locals()) + " must be number", value=data__channels_item__window__max, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].window.max".format(**locals()) + "", rule='type'))
                                if "min" in data__channels_item__window_keys:
                                    data__channels_item__window_keys.remove("min")
                                    data__channels_item__window__min = data__channels_item__window["min"]
                                    if not isinstance(data__channels_item__window__min, (int, float, Decimal)) or isinstance(data__channels_item__window__min, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].window.min".format(**locals()) + " must be number", value=data__channels_item__window__min, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].window.min".format(**locals()) + "", rule='type'))
                                if "start" in data__channels_item__window_keys:
                                    data__channels_item__window_keys.remove("start")
                                    data__channels_item__window__start = data__channels_item__window["start"]
                                    if not isinstance(data__channels_item__window__start, (int, float, Decimal)) or isinstance(data__channels_item__window__start, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].window.start".format(**locals()) + " must be number", value=data__channels_item__window__start, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].window.start".format(**locals()) + "", rule='type'))
                        if "label" in data__channels_item_keys:
                            data__channels_item_keys.remove("label")
                            data__channels_item__label = data__channels_item["label"]
                            if not isinstance(data__channels_item__label, (str)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].label".format(**locals()) + " must be string", value=data__channels_item__label, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].label".format(**locals()) + "", rule='type'))
                        if "family" in data__channels_item_keys:
                            data__channels_item_keys.remove("family")
                            data__channels_item__family = data__channels_item["family"]
                            if not isinstance(data__channels_item__family, (str)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].family".format(**locals()) + " must be string", value=data__channels_item__family, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].family".format(**locals()) + "", rule='type'))
                        if "color" in data__channels_item_keys:
                            data__channels_item_keys.remove("color")
                            data__channels_item__color = data__channels_item["color"]
                            if not isinstance(data__channels_item__color, (str)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].color".format(**locals()) + " must be string", value=data__channels_item__color, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].color".format(**locals()) + "", rule='type'))
                        if "active" in data__channels_item_keys:
                            data__channels_item_keys.remove("active")
                            data__channels_item__active = data__channels_item["active"]
                            if not isinstance(data__channels_item__active, (bool)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".channels[{data__channels_x}].active".format(**locals()) + " must be boolean", value=data__channels_item__active, name="" + (name_prefix or "data") + ".channels[{data__channels_x}].active".format(**locals()) + "", rule='type'))
    if errors: raise JsonSchemaValuesException(errors)
    return data

def validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema___defs_multiscales(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (list, tuple)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be array", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        if data_len < 1:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain at least 1 items", value=data, name="" + (name_prefix or "data") + "", rule='minItems'))
        def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
        if data_len > len(set(fn(data_x) for data_x in data)):
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain unique items", value=data, name="" + (name_prefix or "data") + "", rule='uniqueItems'))
        for data_x, data_item in enumerate(data):
            if not isinstance(data_item, (dict)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be object", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='type'))
            data_item_is_dict = isinstance(data_item, dict)
            if data_item_is_dict:
                data_item__missing_keys = set(['datasets', 'axes']) - data_item.keys()
                if data_item__missing_keys:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must contain " + (str(sorted(data_item__missing_keys)) + " properties"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='required'))
                data_item_keys = set(data_item.keys())
                if "name" in data_item_keys:
                    data_item_keys.remove("name")
                    data_item__name = data_item["name"]
                    if not isinstance(data_item__name, (str)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].name".format(**locals()) + " must be string", value=data_item__name, name="" + (name_prefix or "data") + "[{data_x}].name".format(**locals()) + "", rule='type'))
                if "datasets" in data_item_keys:
                    data_item_keys.remove("datasets")
                    data_item__datasets = data_item["datasets"]
                    if not isinstance(data_item__datasets, (list, tuple)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].datasets".format(**locals()) + " must be array", value=data_item__datasets, name="" + (name_prefix or "data") + "[{data_x}].datasets".format(**locals()) + "", rule='type'))
                    data_item__datasets_is_list = isinstance(data_item__datasets, (list, tuple))
                    if data_item__datasets_is_list:
                        data_item__datasets_len = len(data_item__datasets)
                        if data_item__datasets_len < 1:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].datasets".format(**locals()) + " must contain at least 1 items", value=data_item__datasets, name="" + (name_prefix or "data") + "[{data_x}].datasets".format(**locals()) + "", rule='minItems'))
                        for data_item__datasets_x, data_item__datasets_item in enumerate(data_item__datasets):
                            if not isinstance(data_item__datasets_item, (dict)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].datasets[{data_item__datasets_x}]".format(**locals()) + " must be object", value=data_item__datasets_item, name="" + (name_prefix or "data") + "[{data_x}].datasets[{data_item__datasets_x}]".format(**locals()) + "", rule='type'))
                            data_item__datasets_item_is_dict = isinstance(data_item__datasets_item, dict)
                            if data_item__datasets_item_is_dict:
                                data_item__datasets_item__missing_keys = set(['path', 'coordinateTransformations']) - data_item__datasets_item.keys()
                                if data_item__datasets_item__missing_keys:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].datasets[{data_item__datasets_x}]".format(**locals()) + " must contain " + (str(sorted(data_item__datasets_item__missing_keys)) + " properties"), value=data_item__datasets_item, name="" + (name_prefix or "data") + "[{data_x}].datasets[{data_item__datasets_x}]".format(**locals()) + "", rule='required'))
                                data_item__datasets_item_keys = set(data_item__datasets_item.keys())
                                if "path" in data_item__datasets_item_keys:
                                    data_item__datasets_item_keys.remove("path")
                                    data_item__datasets_item__path = data_item__datasets_item["path"]
                                    if not isinstance(data_item__datasets_item__path, (str)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].datasets[{data_item__datasets_x}].path".format(**locals()) + " must be string", value=data_item__datasets_item__path, name="" + (name_prefix or "data") + "[{data_x}].datasets[{data_item__datasets_x}].path".format(**locals()) + "", rule='type'))
                                if "coordinateTransformations" in data_item__datasets_item_keys:
                                    data_item__datasets_item_keys.remove("coordinateTransformations")
                                    data_item__datasets_item__coordinateTransformations = data_item__datasets_item["coordinateTransformations"]
                                    try:
                                        validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema___defs_coordinatetransformations(data_item__datasets_item__coordinateTransformations, custom_formats, (name_prefix or "data") + "[{data_x}].datasets[{data_item__datasets_x}].coordinateTransformations".format(**locals()))
                                    except JsonSchemaValuesException as e:
                                        errors.extend(e.errors)
                if "axes" in data_item_keys:
                    data_item_keys.remove("axes")
                    data_item__axes = data_item["axes"]
                    try:
                        validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema___defs_axes(data_item__axes, custom_formats, (name_prefix or "data") + "[{data_x}].axes".format(**locals()))
                    except JsonSchemaValuesException as e:
                        errors.extend(e.errors)
                if "coordinateTransformations" in data_item_keys:
                    data_item_keys.remove("coordinateTransformations")
                    data_item__coordinateTransformations = data_item["coordinateTransformations"]
                    try:
                        validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema___defs_coordinatetransformations(data_item__coordinateTransformations, custom_formats, (name_prefix or "data") + "[{data_x}].coordinateTransformations".format(**locals()))
                    except JsonSchemaValuesException as e:
                        errors.extend(e.errors)
    if errors: raise JsonSchemaValuesException(errors)
    return data

def validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema___defs_axes(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (list, tuple)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be array", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        if data_len < 2:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain at least 2 items", value=data, name="" + (name_prefix or "data") + "", rule='minItems'))
        if data_len > 5:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain less than or equal to 5 items", value=data, name="" + (name_prefix or "data") + "", rule='maxItems'))
        def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
        if data_len > len(set(fn(data_x) for data_x in data)):
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain unique items", value=data, name="" + (name_prefix or "data") + "", rule='uniqueItems'))
        for data_x, data_item in enumerate(data):
            data_item_one_of_count1 = 0
            if data_item_one_of_count1 < 2:
                try:
                    if not isinstance(data_item, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be object", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='type')
                    data_item_is_dict = isinstance(data_item, dict)
                    if data_item_is_dict:
                        data_item__missing_keys = set(['name', 'type']) - data_item.keys()
                        if data_item__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must contain " + (str(sorted(data_item__missing_keys)) + " properties"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='required')
                        data_item_keys = set(data_item.keys())
                        if "name" in data_item_keys:
                            data_item_keys.remove("name")
                            data_item__name = data_item["name"]
                            if not isinstance(data_item__name, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].name".format(**locals()) + " must be string", value=data_item__name, name="" + (name_prefix or "data") + "[{data_x}].name".format(**locals()) + "", rule='type')
                        if "type" in data_item_keys:
                            data_item_keys.remove("type")
                            data_item__type = data_item["type"]
                            if not isinstance(data_item__type, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + " must be string", value=data_item__type, name="" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + "", rule='type')
                            if not (isinstance(data_item__type, str) and data_item__type == 'channel' or isinstance(data_item__type, str) and data_item__type == 'time' or isinstance(data_item__type, str) and data_item__type == 'space'):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + " must be one of ['channel', 'time', 'space']", value=data_item__type, name="" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + "", rule='enum')
                    data_item_one_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data_item_one_of_count1 < 2:
                try:
                    if not isinstance(data_item, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be object", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='type')
                    data_item_is_dict = isinstance(data_item, dict)
                    if data_item_is_dict:
                        data_item__missing_keys = set(['name']) - data_item.keys()
                        if data_item__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must contain " + (str(sorted(data_item__missing_keys)) + " properties"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='required')
                        data_item_keys = set(data_item.keys())
                        if "name" in data_item_keys:
                            data_item_keys.remove("name")
                            data_item__name = data_item["name"]
                            if not isinstance(data_item__name, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].name".format(**locals()) + " must be string", value=data_item__name, name="" + (name_prefix or "data") + "[{data_x}].name".format(**locals()) + "", rule='type')
                        if "type" in data_item_keys:
                            data_item_keys.remove("type")
                            data_item__type = data_item["type"]
                            if not isinstance(data_item__type, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + " must be string", value=data_item__type, name="" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + "", rule='type')
                            try:
                                if not (isinstance(data_item__type, str) and data_item__type == 'space' or isinstance(data_item__type, str) and data_item__type == 'time' or isinstance(data_item__type, str) and data_item__type == 'channel'):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + " must be one of ['space', 'time', 'channel']", value=data_item__type, name="" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + "", rule='enum')
                            except (JsonSchemaValueException, JsonSchemaValuesException): pass
                            else:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + " must NOT match a disallowed definition", value=data_item__type, name="" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + "", rule='not')
                    data_item_one_of_count1 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data_item_one_of_count1 != 1:
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be valid exactly by one definition" + (" (" + str(data_item_one_of_count1) + " matches found)"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='oneOf'))
        data_contains = 0
        for data_key in data:
            try:
                if not isinstance(data_key, (dict)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data_key, name="" + (name_prefix or "data") + "", rule='type')
                data_key_is_dict = isinstance(data_key, dict)
                if data_key_is_dict:
                    data_key_keys = set(data_key.keys())
                    if "name" in data_key_keys:
                        data_key_keys.remove("name")
                        data_key__name = data_key["name"]
                        if not isinstance(data_key__name, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".name must be string", value=data_key__name, name="" + (name_prefix or "data") + ".name", rule='type')
                    if "type" in data_key_keys:
                        data_key_keys.remove("type")
                        data_key__type = data_key["type"]
                        if not isinstance(data_key__type, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be string", value=data_key__type, name="" + (name_prefix or "data") + ".type", rule='type')
                        if not (isinstance(data_key__type, str) and data_key__type == 'space'):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be one of ['space']", value=data_key__type, name="" + (name_prefix or "data") + ".type", rule='enum')
                    if "unit" in data_key_keys:
                        data_key_keys.remove("unit")
                        data_key__unit = data_key["unit"]
                        if not isinstance(data_key__unit, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".unit must be string", value=data_key__unit, name="" + (name_prefix or "data") + ".unit", rule='type')
                data_contains += 1
            except (JsonSchemaValueException, JsonSchemaValuesException): pass
        if data_contains < 2:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain at least 2 items matching the contains definition", value=data, name="" + (name_prefix or "data") + "", rule='minContains'))
        if data_contains > 3:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain at most 3 items matching the contains definition", value=data, name="" + (name_prefix or "data") + "", rule='maxContains'))
    if errors: raise JsonSchemaValuesException(errors)
    return data

def validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema___defs_coordinatetransformations(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (list, tuple)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be array", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        if data_len < 1:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain at least 1 items", value=data, name="" + (name_prefix or "data") + "", rule='minItems'))
        for data_x, data_item in enumerate(data):
            data_item_one_of_count2 = 0
            if data_item_one_of_count2 < 2:
                try:
                    if not isinstance(data_item, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be object", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='type')
                    data_item_is_dict = isinstance(data_item, dict)
                    if data_item_is_dict:
                        data_item__missing_keys = set(['type', 'scale']) - data_item.keys()
                        if data_item__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must contain " + (str(sorted(data_item__missing_keys)) + " properties"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='required')
                        data_item_keys = set(data_item.keys())
                        if "type" in data_item_keys:
                            data_item_keys.remove("type")
                            data_item__type = data_item["type"]
                            if not isinstance(data_item__type, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + " must be string", value=data_item__type, name="" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + "", rule='type')
                            if not (isinstance(data_item__type, str) and data_item__type == 'scale'):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + " must be one of ['scale']", value=data_item__type, name="" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + "", rule='enum')
                        if "scale" in data_item_keys:
                            data_item_keys.remove("scale")
                            data_item__scale = data_item["scale"]
                            if not isinstance(data_item__scale, (list, tuple)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].scale".format(**locals()) + " must be array", value=data_item__scale, name="" + (name_prefix or "data") + "[{data_x}].scale".format(**locals()) + "", rule='type')
                            data_item__scale_is_list = isinstance(data_item__scale, (list, tuple))
                            if data_item__scale_is_list:
                                data_item__scale_len = len(data_item__scale)
                                if data_item__scale_len < 2:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].scale".format(**locals()) + " must contain at least 2 items", value=data_item__scale, name="" + (name_prefix or "data") + "[{data_x}].scale".format(**locals()) + "", rule='minItems')
                                for data_item__scale_x, data_item__scale_item in enumerate(data_item__scale):
                                    if not isinstance(data_item__scale_item, (int, float, Decimal)) or isinstance(data_item__scale_item, bool):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].scale[{data_item__scale_x}]".format(**locals()) + " must be number", value=data_item__scale_item, name="" + (name_prefix or "data") + "[{data_x}].scale[{data_item__scale_x}]".format(**locals()) + "", rule='type')
                    data_item_one_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data_item_one_of_count2 < 2:
                try:
                    if not isinstance(data_item, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be object", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='type')
                    data_item_is_dict = isinstance(data_item, dict)
                    if data_item_is_dict:
                        data_item__missing_keys = set(['type', 'translation']) - data_item.keys()
                        if data_item__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must contain " + (str(sorted(data_item__missing_keys)) + " properties"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='required')
                        data_item_keys = set(data_item.keys())
                        if "type" in data_item_keys:
                            data_item_keys.remove("type")
                            data_item__type = data_item["type"]
                            if not isinstance(data_item__type, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + " must be string", value=data_item__type, name="" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + "", rule='type')
                            if not (isinstance(data_item__type, str) and data_item__type == 'translation'):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + " must be one of ['translation']", value=data_item__type, name="" + (name_prefix or "data") + "[{data_x}].type".format(**locals()) + "", rule='enum')
                        if "translation" in data_item_keys:
                            data_item_keys.remove("translation")
                            data_item__translation = data_item["translation"]
                            if not isinstance(data_item__translation, (list, tuple)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].translation".format(**locals()) + " must be array", value=data_item__translation, name="" + (name_prefix or "data") + "[{data_x}].translation".format(**locals()) + "", rule='type')
                            data_item__translation_is_list = isinstance(data_item__translation, (list, tuple))
                            if data_item__translation_is_list:
                                data_item__translation_len = len(data_item__translation)
                                if data_item__translation_len < 2:
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].translation".format(**locals()) + " must contain at least 2 items", value=data_item__translation, name="" + (name_prefix or "data") + "[{data_x}].translation".format(**locals()) + "", rule='minItems')
                                for data_item__translation_x, data_item__translation_item in enumerate(data_item__translation):
                                    if not isinstance(data_item__translation_item, (int, float, Decimal)) or isinstance(data_item__translation_item, bool):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].translation[{data_item__translation_x}]".format(**locals()) + " must be number", value=data_item__translation_item, name="" + (name_prefix or "data") + "[{data_x}].translation[{data_item__translation_x}]".format(**locals()) + "", rule='type')
                    data_item_one_of_count2 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data_item_one_of_count2 != 1:
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be valid exactly by one definition" + (" (" + str(data_item_one_of_count2) + " matches found)"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", rule='oneOf'))
        data_contains = 0
        for data_key in data:
            try:
                if not isinstance(data_key, (dict)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data_key, name="" + (name_prefix or "data") + "", rule='type')
                data_key_is_dict = isinstance(data_key, dict)
                if data_key_is_dict:
                    data_key_keys = set(data_key.keys())
                    if "type" in data_key_keys:
                        data_key_keys.remove("type")
                        data_key__type = data_key["type"]
                        if not isinstance(data_key__type, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be string", value=data_key__type, name="" + (name_prefix or "data") + ".type", rule='type')
                        if not (isinstance(data_key__type, str) and data_key__type == 'scale'):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".type must be one of ['scale']", value=data_key__type, name="" + (name_prefix or "data") + ".type", rule='enum')
                    if "scale" in data_key_keys:
                        data_key_keys.remove("scale")
                        data_key__scale = data_key["scale"]
                        if not isinstance(data_key__scale, (list, tuple)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".scale must be array", value=data_key__scale, name="" + (name_prefix or "data") + ".scale", rule='type')
                        data_key__scale_is_list = isinstance(data_key__scale, (list, tuple))
                        if data_key__scale_is_list:
                            data_key__scale_len = len(data_key__scale)
                            if data_key__scale_len < 2:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".scale must contain at least 2 items", value=data_key__scale, name="" + (name_prefix or "data") + ".scale", rule='minItems')
                            for data_key__scale_x, data_key__scale_item in enumerate(data_key__scale):
                                if not isinstance(data_key__scale_item, (int, float, Decimal)) or isinstance(data_key__scale_item, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".scale[{data_key__scale_x}]".format(**locals()) + " must be number", value=data_key__scale_item, name="" + (name_prefix or "data") + ".scale[{data_key__scale_x}]".format(**locals()) + "", rule='type')
                data_contains += 1
            except (JsonSchemaValueException, JsonSchemaValuesException): pass
        if data_contains < 1:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain at least 1 items matching the contains definition", value=data, name="" + (name_prefix or "data") + "", rule='minContains'))
        if data_contains > 1:
            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must contain at most 1 items matching the contains definition", value=data, name="" + (name_prefix or "data") + "", rule='maxContains'))
    if errors: raise JsonSchemaValuesException(errors)
    return data

validate = validate_https___ngff_openmicroscopy_org_0_5_schemas_image_schema
