"""NGFF 0.5 'plate' validator, GENERATED from schemas/0.5/plate.schema: do not edit.

Regenerate with ``python scripts/make_legacy_validators.py``.
"""
# generator: scripts/make_legacy_validators.py with fastjsonschema 2.22.3
# schemas:
#   0.5/_version.schema  sha256 26c03746999987ae695a4d0efb2ae56503dd69b7b80320732f2a04a540ef91d5
#   0.5/plate.schema  sha256 a8a89bfd90a5c3c9f72eb94a9f3b6fa91939ba3230d0f2fef7a58fba7b075233
# ruff: noqa
# fmt: off
from decimal import Decimal
import re
from ._exceptions import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[A-Za-z0-9]+$': re.compile('^[A-Za-z0-9]+\\Z'),
    '^[A-Za-z0-9]+/[A-Za-z0-9]+$': re.compile('^[A-Za-z0-9]+/[A-Za-z0-9]+\\Z')
}

NoneType = type(None)

def validate_https___ngff_openmicroscopy_org_0_5_schemas_plate_schema(data, custom_formats={}, name_prefix=None):
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
                data__ome__missing_keys = set(['plate', 'version']) - data__ome.keys()
                if data__ome__missing_keys:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome must contain " + (str(sorted(data__ome__missing_keys)) + " properties"), value=data__ome, name="" + (name_prefix or "data") + ".ome", rule='required'))
                data__ome_keys = set(data__ome.keys())
                if "plate" in data__ome_keys:
                    data__ome_keys.remove("plate")
                    data__ome__plate = data__ome["plate"]
                    if not isinstance(data__ome__plate, (dict)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate must be object", value=data__ome__plate, name="" + (name_prefix or "data") + ".ome.plate", rule='type'))
                    data__ome__plate_is_dict = isinstance(data__ome__plate, dict)
                    if data__ome__plate_is_dict:
                        data__ome__plate__missing_keys = set(['columns', 'rows', 'wells']) - data__ome__plate.keys()
                        if data__ome__plate__missing_keys:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate must contain " + (str(sorted(data__ome__plate__missing_keys)) + " properties"), value=data__ome__plate, name="" + (name_prefix or "data") + ".ome.plate", rule='required'))
                        data__ome__plate_keys = set(data__ome__plate.keys())
                        if "acquisitions" in data__ome__plate_keys:
                            data__ome__plate_keys.remove("acquisitions")
                            data__ome__plate__acquisitions = data__ome__plate["acquisitions"]
                            if not isinstance(data__ome__plate__acquisitions, (list, tuple)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions must be array", value=data__ome__plate__acquisitions, name="" + (name_prefix or "data") + ".ome.plate.acquisitions", rule='type'))
                            data__ome__plate__acquisitions_is_list = isinstance(data__ome__plate__acquisitions, (list, tuple))
                            if data__ome__plate__acquisitions_is_list:
                                data__ome__plate__acquisitions_len = len(data__ome__plate__acquisitions)
                                for data__ome__plate__acquisitions_x, data__ome__plate__acquisitions_item in enumerate(data__ome__plate__acquisitions):
                                    if not isinstance(data__ome__plate__acquisitions_item, (dict)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}]".format(**locals()) + " must be object", value=data__ome__plate__acquisitions_item, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}]".format(**locals()) + "", rule='type'))
                                    data__ome__plate__acquisitions_item_is_dict = isinstance(data__ome__plate__acquisitions_item, dict)
                                    if data__ome__plate__acquisitions_item_is_dict:
                                        data__ome__plate__acquisitions_item__missing_keys = set(['id']) - data__ome__plate__acquisitions_item.keys()
                                        if data__ome__plate__acquisitions_item__missing_keys:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}]".format(**locals()) + " must contain " + (str(sorted(data__ome__plate__acquisitions_item__missing_keys)) + " properties"), value=data__ome__plate__acquisitions_item, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}]".format(**locals()) + "", rule='required'))
                                        data__ome__plate__acquisitions_item_keys = set(data__ome__plate__acquisitions_item.keys())
                                        if "id" in data__ome__plate__acquisitions_item_keys:
                                            data__ome__plate__acquisitions_item_keys.remove("id")
                                            data__ome__plate__acquisitions_item__id = data__ome__plate__acquisitions_item["id"]
                                            if not isinstance(data__ome__plate__acquisitions_item__id, (int)) and not (isinstance(data__ome__plate__acquisitions_item__id, float) and data__ome__plate__acquisitions_item__id.is_integer()) or isinstance(data__ome__plate__acquisitions_item__id, bool):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].id".format(**locals()) + " must be integer", value=data__ome__plate__acquisitions_item__id, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].id".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__plate__acquisitions_item__id, (int, float, Decimal)) and not isinstance(data__ome__plate__acquisitions_item__id, bool):
                                                if data__ome__plate__acquisitions_item__id < 0:
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].id".format(**locals()) + " must be bigger than or equal to 0", value=data__ome__plate__acquisitions_item__id, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].id".format(**locals()) + "", rule='minimum'))
                                        if "maximumfieldcount" in data__ome__plate__acquisitions_item_keys:
                                            data__ome__plate__acquisitions_item_keys.remove("maximumfieldcount")
                                            data__ome__plate__acquisitions_item__maximumfieldcount = data__ome__plate__acquisitions_item["maximumfieldcount"]
                                            if not isinstance(data__ome__plate__acquisitions_item__maximumfieldcount, (int)) and not (isinstance(data__ome__plate__acquisitions_item__maximumfieldcount, float) and data__ome__plate__acquisitions_item__maximumfieldcount.is_integer()) or isinstance(data__ome__plate__acquisitions_item__maximumfieldcount, bool):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].maximumfieldcount".format(**locals()) + " must be integer", value=data__ome__plate__acquisitions_item__maximumfieldcount, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].maximumfieldcount".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__plate__acquisitions_item__maximumfieldcount, (int, float, Decimal)) and not isinstance(data__ome__plate__acquisitions_item__maximumfieldcount, bool):
                                                if data__ome__plate__acquisitions_item__maximumfieldcount <= 0:
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].maximumfieldcount".format(**locals()) + " must be bigger than 0", value=data__ome__plate__acquisitions_item__maximumfieldcount, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].maximumfieldcount".format(**locals()) + "", rule='exclusiveMinimum'))
                                        if "name" in data__ome__plate__acquisitions_item_keys:
                                            data__ome__plate__acquisitions_item_keys.remove("name")
                                            data__ome__plate__acquisitions_item__name = data__ome__plate__acquisitions_item["name"]
                                            if not isinstance(data__ome__plate__acquisitions_item__name, (str)):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].name".format(**locals()) + " must be string", value=data__ome__plate__acquisitions_item__name, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].name".format(**locals()) + "", rule='type'))
                                        if "description" in data__ome__plate__acquisitions_item_keys:
                                            data__ome__plate__acquisitions_item_keys.remove("description")
                                            data__ome__plate__acquisitions_item__description = data__ome__plate__acquisitions_item["description"]
                                            if not isinstance(data__ome__plate__acquisitions_item__description, (str)):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].description".format(**locals()) + " must be string", value=data__ome__plate__acquisitions_item__description, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].description".format(**locals()) + "", rule='type'))
                                        if "starttime" in data__ome__plate__acquisitions_item_keys:
                                            data__ome__plate__acquisitions_item_keys.remove("starttime")
                                            data__ome__plate__acquisitions_item__starttime = data__ome__plate__acquisitions_item["starttime"]
                                            if not isinstance(data__ome__plate__acquisitions_item__starttime, (int)) and not (isinstance(data__ome__plate__acquisitions_item__starttime, float) and data__ome__plate__acquisitions_item__starttime.is_integer()) or isinstance(data__ome__plate__acquisitions_item__starttime, bool):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].starttime".format(**locals()) + " must be integer", value=data__ome__plate__acquisitions_item__starttime, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].starttime".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__plate__acquisitions_item__starttime, (int, float, Decimal)) and not isinstance(data__ome__plate__acquisitions_item__starttime, bool):
                                                if data__ome__plate__acquisitions_item__starttime < 0:
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].starttime".format(**locals()) + " must be bigger than or equal to 0", value=data__ome__plate__acquisitions_item__starttime, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].starttime".format(**locals()) + "", rule='minimum'))
                                        if "endtime" in data__ome__plate__acquisitions_item_keys:
                                            data__ome__plate__acquisitions_item_keys.remove("endtime")
                                            data__ome__plate__acquisitions_item__endtime = data__ome__plate__acquisitions_item["endtime"]
                                            if not isinstance(data__ome__plate__acquisitions_item__endtime, (int)) and not (isinstance(data__ome__plate__acquisitions_item__endtime, float) and data__ome__plate__acquisitions_item__endtime.is_integer()) or isinstance(data__ome__plate__acquisitions_item__endtime, bool):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].endtime".format(**locals()) + " must be integer", value=data__ome__plate__acquisitions_item__endtime, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].endtime".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__plate__acquisitions_item__endtime, (int, float, Decimal)) and not isinstance(data__ome__plate__acquisitions_item__endtime, bool):
                                                if data__ome__plate__acquisitions_item__endtime < 0:
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].endtime".format(**locals()) + " must be bigger than or equal to 0", value=data__ome__plate__acquisitions_item__endtime, name="" + (name_prefix or "data") + ".ome.plate.acquisitions[{data__ome__plate__acquisitions_x}].endtime".format(**locals()) + "", rule='minimum'))
                        if "field_count" in data__ome__plate_keys:
                            data__ome__plate_keys.remove("field_count")
                            data__ome__plate__fieldcount = data__ome__plate["field_count"]
                            if not isinstance(data__ome__plate__fieldcount, (int)) and not (isinstance(data__ome__plate__fieldcount, float) and data__ome__plate__fieldcount.is_integer()) or isinstance(data__ome__plate__fieldcount, bool):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.field_count must be integer", value=data__ome__plate__fieldcount, name="" + (name_prefix or "data") + ".ome.plate.field_count", rule='type'))
                            if isinstance(data__ome__plate__fieldcount, (int, float, Decimal)) and not isinstance(data__ome__plate__fieldcount, bool):
                                if data__ome__plate__fieldcount <= 0:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.field_count must be bigger than 0", value=data__ome__plate__fieldcount, name="" + (name_prefix or "data") + ".ome.plate.field_count", rule='exclusiveMinimum'))
                        if "name" in data__ome__plate_keys:
                            data__ome__plate_keys.remove("name")
                            data__ome__plate__name = data__ome__plate["name"]
                            if not isinstance(data__ome__plate__name, (str)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.name must be string", value=data__ome__plate__name, name="" + (name_prefix or "data") + ".ome.plate.name", rule='type'))
                        if "columns" in data__ome__plate_keys:
                            data__ome__plate_keys.remove("columns")
                            data__ome__plate__columns = data__ome__plate["columns"]
                            if not isinstance(data__ome__plate__columns, (list, tuple)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.columns must be array", value=data__ome__plate__columns, name="" + (name_prefix or "data") + ".ome.plate.columns", rule='type'))
                            data__ome__plate__columns_is_list = isinstance(data__ome__plate__columns, (list, tuple))
                            if data__ome__plate__columns_is_list:
                                data__ome__plate__columns_len = len(data__ome__plate__columns)
                                if data__ome__plate__columns_len < 1:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.columns must contain at least 1 items", value=data__ome__plate__columns, name="" + (name_prefix or "data") + ".ome.plate.columns", rule='minItems'))
                                def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                                if data__ome__plate__columns_len > len(set(fn(data__ome__plate__columns_x) for data__ome__plate__columns_x in data__ome__plate__columns)):
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.columns must contain unique items", value=data__ome__plate__columns, name="" + (name_prefix or "data") + ".ome.plate.columns", rule='uniqueItems'))
                                for data__ome__plate__columns_x, data__ome__plate__columns_item in enumerate(data__ome__plate__columns):
                                    if not isinstance(data__ome__plate__columns_item, (dict)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.columns[{data__ome__plate__columns_x}]".format(**locals()) + " must be object", value=data__ome__plate__columns_item, name="" + (name_prefix or "data") + ".ome.plate.columns[{data__ome__plate__columns_x}]".format(**locals()) + "", rule='type'))
                                    data__ome__plate__columns_item_is_dict = isinstance(data__ome__plate__columns_item, dict)
                                    if data__ome__plate__columns_item_is_dict:
                                        data__ome__plate__columns_item__missing_keys = set(['name']) - data__ome__plate__columns_item.keys()
                                        if data__ome__plate__columns_item__missing_keys:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.columns[{data__ome__plate__columns_x}]".format(**locals()) + " must contain " + (str(sorted(data__ome__plate__columns_item__missing_keys)) + " properties"), value=data__ome__plate__columns_item, name="" + (name_prefix or "data") + ".ome.plate.columns[{data__ome__plate__columns_x}]".format(**locals()) + "", rule='required'))
                                        data__ome__plate__columns_item_keys = set(data__ome__plate__columns_item.keys())
                                        if "name" in data__ome__plate__columns_item_keys:
                                            data__ome__plate__columns_item_keys.remove("name")
                                            data__ome__plate__columns_item__name = data__ome__plate__columns_item["name"]
                                            if not isinstance(data__ome__plate__columns_item__name, (str)):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.columns[{data__ome__plate__columns_x}].name".format(**locals()) + " must be string", value=data__ome__plate__columns_item__name, name="" + (name_prefix or "data") + ".ome.plate.columns[{data__ome__plate__columns_x}].name".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__plate__columns_item__name, str):
                                                if not REGEX_PATTERNS['^[A-Za-z0-9]+$'].search(data__ome__plate__columns_item__name):
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.columns[{data__ome__plate__columns_x}].name".format(**locals()) + " must match pattern ^[A-Za-z0-9]+$", value=data__ome__plate__columns_item__name, name="" + (name_prefix or "data") + ".ome.plate.columns[{data__ome__plate__columns_x}].name".format(**locals()) + "", rule='pattern'))
                        if "rows" in data__ome__plate_keys:
                            data__ome__plate_keys.remove("rows")
                            data__ome__plate__rows = data__ome__plate["rows"]
                            if not isinstance(data__ome__plate__rows, (list, tuple)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.rows must be array", value=data__ome__plate__rows, name="" + (name_prefix or "data") + ".ome.plate.rows", rule='type'))
                            data__ome__plate__rows_is_list = isinstance(data__ome__plate__rows, (list, tuple))
                            if data__ome__plate__rows_is_list:
                                data__ome__plate__rows_len = len(data__ome__plate__rows)
                                if data__ome__plate__rows_len < 1:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.rows must contain at least 1 items", value=data__ome__plate__rows, name="" + (name_prefix or "data") + ".ome.plate.rows", rule='minItems'))
                                def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                                if data__ome__plate__rows_len > len(set(fn(data__ome__plate__rows_x) for data__ome__plate__rows_x in data__ome__plate__rows)):
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.rows must contain unique items", value=data__ome__plate__rows, name="" + (name_prefix or "data") + ".ome.plate.rows", rule='uniqueItems'))
                                for data__ome__plate__rows_x, data__ome__plate__rows_item in enumerate(data__ome__plate__rows):
                                    if not isinstance(data__ome__plate__rows_item, (dict)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.rows[{data__ome__plate__rows_x}]".format(**locals()) + " must be object", value=data__ome__plate__rows_item, name="" + (name_prefix or "data") + ".ome.plate.rows[{data__ome__plate__rows_x}]".format(**locals()) + "", rule='type'))
                                    data__ome__plate__rows_item_is_dict = isinstance(data__ome__plate__rows_item, dict)
                                    if data__ome__plate__rows_item_is_dict:
                                        data__ome__plate__rows_item__missing_keys = set(['name']) - data__ome__plate__rows_item.keys()
                                        if data__ome__plate__rows_item__missing_keys:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.rows[{data__ome__plate__rows_x}]".format(**locals()) + " must contain " + (str(sorted(data__ome__plate__rows_item__missing_keys)) + " properties"), value=data__ome__plate__rows_item, name="" + (name_prefix or "data") + ".ome.plate.rows[{data__ome__plate__rows_x}]".format(**locals()) + "", rule='required'))
                                        data__ome__plate__rows_item_keys = set(data__ome__plate__rows_item.keys())
                                        if "name" in data__ome__plate__rows_item_keys:
                                            data__ome__plate__rows_item_keys.remove("name")
                                            data__ome__plate__rows_item__name = data__ome__plate__rows_item["name"]
                                            if not isinstance(data__ome__plate__rows_item__name, (str)):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.rows[{data__ome__plate__rows_x}].name".format(**locals()) + " must be string", value=data__ome__plate__rows_item__name, name="" + (name_prefix or "data") + ".ome.plate.rows[{data__ome__plate__rows_x}].name".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__plate__rows_item__name, str):
                                                if not REGEX_PATTERNS['^[A-Za-z0-9]+$'].search(data__ome__plate__rows_item__name):
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.rows[{data__ome__plate__rows_x}].name".format(**locals()) + " must match pattern ^[A-Za-z0-9]+$", value=data__ome__plate__rows_item__name, name="" + (name_prefix or "data") + ".ome.plate.rows[{data__ome__plate__rows_x}].name".format(**locals()) + "", rule='pattern'))
                        if "wells" in data__ome__plate_keys:
                            data__ome__plate_keys.remove("wells")
                            data__ome__plate__wells = data__ome__plate["wells"]
                            if not isinstance(data__ome__plate__wells, (list, tuple)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells must be array", value=data__ome__plate__wells, name="" + (name_prefix or "data") + ".ome.plate.wells", rule='type'))
                            data__ome__plate__wells_is_list = isinstance(data__ome__plate__wells, (list, tuple))
                            if data__ome__plate__wells_is_list:
                                data__ome__plate__wells_len = len(data__ome__plate__wells)
                                if data__ome__plate__wells_len < 1:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells must contain at least 1 items", value=data__ome__plate__wells, name="" + (name_prefix or "data") + ".ome.plate.wells", rule='minItems'))
                                def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                                if data__ome__plate__wells_len > len(set(fn(data__ome__plate__wells_x) for data__ome__plate__wells_x in data__ome__plate__wells)):
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells must contain unique items", value=data__ome__plate__wells, name="" + (name_prefix or "data") + ".ome.plate.wells", rule='uniqueItems'))
                                for data__ome__plate__wells_x, data__ome__plate__wells_item in enumerate(data__ome__plate__wells):
                                    if not isinstance(data__ome__plate__wells_item, (dict)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}]".format(**locals()) + " must be object", value=data__ome__plate__wells_item, name="" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}]".format(**locals()) + "", rule='type'))
                                    data__ome__plate__wells_item_is_dict = isinstance(data__ome__plate__wells_item, dict)
                                    if data__ome__plate__wells_item_is_dict:
                                        data__ome__plate__wells_item__missing_keys = set(['path', 'rowIndex', 'columnIndex']) - data__ome__plate__wells_item.keys()
                                        if data__ome__plate__wells_item__missing_keys:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}]".format(**locals()) + " must contain " + (str(sorted(data__ome__plate__wells_item__missing_keys)) + " properties"), value=data__ome__plate__wells_item, name="" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}]".format(**locals()) + "", rule='required'))
                                        data__ome__plate__wells_item_keys = set(data__ome__plate__wells_item.keys())
                                        if "path" in data__ome__plate__wells_item_keys:
                                            data__ome__plate__wells_item_keys.remove("path")
                                            data__ome__plate__wells_item__path = data__ome__plate__wells_item["path"]
                                            if not isinstance(data__ome__plate__wells_item__path, (str)):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].path".format(**locals()) + " must be string", value=data__ome__plate__wells_item__path, name="" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].path".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__plate__wells_item__path, str):
                                                if not REGEX_PATTERNS['^[A-Za-z0-9]+/[A-Za-z0-9]+$'].search(data__ome__plate__wells_item__path):
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].path".format(**locals()) + " must match pattern ^[A-Za-z0-9]+/[A-Za-z0-9]+$", value=data__ome__plate__wells_item__path, name="" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].path".format(**locals()) + "", rule='pattern'))
                                        if "rowIndex" in data__ome__plate__wells_item_keys:
                                            data__ome__plate__wells_item_keys.remove("rowIndex")
                                            data__ome__plate__wells_item__rowIndex = data__ome__plate__wells_item["rowIndex"]
                                            if not isinstance(data__ome__plate__wells_item__rowIndex, (int)) and not (isinstance(data__ome__plate__wells_item__rowIndex, float) and data__ome__plate__wells_item__rowIndex.is_integer()) or isinstance(data__ome__plate__wells_item__rowIndex, bool):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].rowIndex".format(**locals()) + " must be integer", value=data__ome__plate__wells_item__rowIndex, name="" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].rowIndex".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__plate__wells_item__rowIndex, (int, float, Decimal)) and not isinstance(data__ome__plate__wells_item__rowIndex, bool):
                                                if data__ome__plate__wells_item__rowIndex < 0:
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].rowIndex".format(**locals()) + " must be bigger than or equal to 0", value=data__ome__plate__wells_item__rowIndex, name="" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].rowIndex".format(**locals()) + "", rule='minimum'))
                                        if "columnIndex" in data__ome__plate__wells_item_keys:
                                            data__ome__plate__wells_item_keys.remove("columnIndex")
                                            data__ome__plate__wells_item__columnIndex = data__ome__plate__wells_item["columnIndex"]
                                            if not isinstance(data__ome__plate__wells_item__columnIndex, (int)) and not (isinstance(data__ome__plate__wells_item__columnIndex, float) and data__ome__plate__wells_item__columnIndex.is_integer()) or isinstance(data__ome__plate__wells_item__columnIndex, bool):
                                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].columnIndex".format(**locals()) + " must be integer", value=data__ome__plate__wells_item__columnIndex, name="" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].columnIndex".format(**locals()) + "", rule='type'))
                                            if isinstance(data__ome__plate__wells_item__columnIndex, (int, float, Decimal)) and not isinstance(data__ome__plate__wells_item__columnIndex, bool):
                                                if data__ome__plate__wells_item__columnIndex < 0:
                                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].columnIndex".format(**locals()) + " must be bigger than or equal to 0", value=data__ome__plate__wells_item__columnIndex, name="" + (name_prefix or "data") + ".ome.plate.wells[{data__ome__plate__wells_x}].columnIndex".format(**locals()) + "", rule='minimum'))
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

validate = validate_https___ngff_openmicroscopy_org_0_5_schemas_plate_schema
