"""NGFF 0.4 'plate' validator, GENERATED from schemas/0.4/plate.schema: do not edit.

Regenerate with ``python scripts/make_legacy_validators.py``.
"""
# generator: scripts/make_legacy_validators.py with fastjsonschema 2.22.3
# schemas:
#   0.4/plate.schema  sha256 3a6a7fb41cdf1967d60578c16baf9251fa1f1f7367b731041d8ae8f5ffc20942
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

def validate_https___ngff_openmicroscopy_org_0_4_schemas_plate_schema(data, custom_formats={}, name_prefix=None):
    errors = []
    if not isinstance(data, (dict)):
        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", rule='type'))
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "plate" in data_keys:
            data_keys.remove("plate")
            data__plate = data["plate"]
            if not isinstance(data__plate, (dict)):
                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate must be object", value=data__plate, name="" + (name_prefix or "data") + ".plate", rule='type'))
            data__plate_is_dict = isinstance(data__plate, dict)
            if data__plate_is_dict:
                data__plate__missing_keys = set(['columns', 'rows', 'wells']) - data__plate.keys()
                if data__plate__missing_keys:
                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate must contain " + (str(sorted(data__plate__missing_keys)) + " properties"), value=data__plate, name="" + (name_prefix or "data") + ".plate", rule='required'))
                data__plate_keys = set(data__plate.keys())
                if "acquisitions" in data__plate_keys:
                    data__plate_keys.remove("acquisitions")
                    data__plate__acquisitions = data__plate["acquisitions"]
                    if not isinstance(data__plate__acquisitions, (list, tuple)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions must be array", value=data__plate__acquisitions, name="" + (name_prefix or "data") + ".plate.acquisitions", rule='type'))
                    data__plate__acquisitions_is_list = isinstance(data__plate__acquisitions, (list, tuple))
                    if data__plate__acquisitions_is_list:
                        data__plate__acquisitions_len = len(data__plate__acquisitions)
                        for data__plate__acquisitions_x, data__plate__acquisitions_item in enumerate(data__plate__acquisitions):
                            if not isinstance(data__plate__acquisitions_item, (dict)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}]".format(**locals()) + " must be object", value=data__plate__acquisitions_item, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}]".format(**locals()) + "", rule='type'))
                            data__plate__acquisitions_item_is_dict = isinstance(data__plate__acquisitions_item, dict)
                            if data__plate__acquisitions_item_is_dict:
                                data__plate__acquisitions_item__missing_keys = set(['id']) - data__plate__acquisitions_item.keys()
                                if data__plate__acquisitions_item__missing_keys:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}]".format(**locals()) + " must contain " + (str(sorted(data__plate__acquisitions_item__missing_keys)) + " properties"), value=data__plate__acquisitions_item, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}]".format(**locals()) + "", rule='required'))
                                data__plate__acquisitions_item_keys = set(data__plate__acquisitions_item.keys())
                                if "id" in data__plate__acquisitions_item_keys:
                                    data__plate__acquisitions_item_keys.remove("id")
                                    data__plate__acquisitions_item__id = data__plate__acquisitions_item["id"]
                                    if not isinstance(data__plate__acquisitions_item__id, (int)) and not (isinstance(data__plate__acquisitions_item__id, float) and data__plate__acquisitions_item__id.is_integer()) or isinstance(data__plate__acquisitions_item__id, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].id".format(**locals()) + " must be integer", value=data__plate__acquisitions_item__id, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].id".format(**locals()) + "", rule='type'))
                                    if isinstance(data__plate__acquisitions_item__id, (int, float, Decimal)) and not isinstance(data__plate__acquisitions_item__id, bool):
                                        if data__plate__acquisitions_item__id < 0:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].id".format(**locals()) + " must be bigger than or equal to 0", value=data__plate__acquisitions_item__id, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].id".format(**locals()) + "", rule='minimum'))
                                if "maximumfieldcount" in data__plate__acquisitions_item_keys:
                                    data__plate__acquisitions_item_keys.remove("maximumfieldcount")
                                    data__plate__acquisitions_item__maximumfieldcount = data__plate__acquisitions_item["maximumfieldcount"]
                                    if not isinstance(data__plate__acquisitions_item__maximumfieldcount, (int)) and not (isinstance(data__plate__acquisitions_item__maximumfieldcount, float) and data__plate__acquisitions_item__maximumfieldcount.is_integer()) or isinstance(data__plate__acquisitions_item__maximumfieldcount, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].maximumfieldcount".format(**locals()) + " must be integer", value=data__plate__acquisitions_item__maximumfieldcount, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].maximumfieldcount".format(**locals()) + "", rule='type'))
                                    if isinstance(data__plate__acquisitions_item__maximumfieldcount, (int, float, Decimal)) and not isinstance(data__plate__acquisitions_item__maximumfieldcount, bool):
                                        if data__plate__acquisitions_item__maximumfieldcount <= 0:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].maximumfieldcount".format(**locals()) + " must be bigger than 0", value=data__plate__acquisitions_item__maximumfieldcount, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].maximumfieldcount".format(**locals()) + "", rule='exclusiveMinimum'))
                                if "name" in data__plate__acquisitions_item_keys:
                                    data__plate__acquisitions_item_keys.remove("name")
                                    data__plate__acquisitions_item__name = data__plate__acquisitions_item["name"]
                                    if not isinstance(data__plate__acquisitions_item__name, (str)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].name".format(**locals()) + " must be string", value=data__plate__acquisitions_item__name, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].name".format(**locals()) + "", rule='type'))
                                if "description" in data__plate__acquisitions_item_keys:
                                    data__plate__acquisitions_item_keys.remove("description")
                                    data__plate__acquisitions_item__description = data__plate__acquisitions_item["description"]
                                    if not isinstance(data__plate__acquisitions_item__description, (str)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].description".format(**locals()) + " must be string", value=data__plate__acquisitions_item__description, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].description".format(**locals()) + "", rule='type'))
                                if "starttime" in data__plate__acquisitions_item_keys:
                                    data__plate__acquisitions_item_keys.remove("starttime")
                                    data__plate__acquisitions_item__starttime = data__plate__acquisitions_item["starttime"]
                                    if not isinstance(data__plate__acquisitions_item__starttime, (int)) and not (isinstance(data__plate__acquisitions_item__starttime, float) and data__plate__acquisitions_item__starttime.is_integer()) or isinstance(data__plate__acquisitions_item__starttime, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].starttime".format(**locals()) + " must be integer", value=data__plate__acquisitions_item__starttime, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].starttime".format(**locals()) + "", rule='type'))
                                    if isinstance(data__plate__acquisitions_item__starttime, (int, float, Decimal)) and not isinstance(data__plate__acquisitions_item__starttime, bool):
                                        if data__plate__acquisitions_item__starttime < 0:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].starttime".format(**locals()) + " must be bigger than or equal to 0", value=data__plate__acquisitions_item__starttime, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].starttime".format(**locals()) + "", rule='minimum'))
                                if "endtime" in data__plate__acquisitions_item_keys:
                                    data__plate__acquisitions_item_keys.remove("endtime")
                                    data__plate__acquisitions_item__endtime = data__plate__acquisitions_item["endtime"]
                                    if not isinstance(data__plate__acquisitions_item__endtime, (int)) and not (isinstance(data__plate__acquisitions_item__endtime, float) and data__plate__acquisitions_item__endtime.is_integer()) or isinstance(data__plate__acquisitions_item__endtime, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].endtime".format(**locals()) + " must be integer", value=data__plate__acquisitions_item__endtime, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].endtime".format(**locals()) + "", rule='type'))
                                    if isinstance(data__plate__acquisitions_item__endtime, (int, float, Decimal)) and not isinstance(data__plate__acquisitions_item__endtime, bool):
                                        if data__plate__acquisitions_item__endtime < 0:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].endtime".format(**locals()) + " must be bigger than or equal to 0", value=data__plate__acquisitions_item__endtime, name="" + (name_prefix or "data") + ".plate.acquisitions[{data__plate__acquisitions_x}].endtime".format(**locals()) + "", rule='minimum'))
                if "version" in data__plate_keys:
                    data__plate_keys.remove("version")
                    data__plate__version = data__plate["version"]
                    if not isinstance(data__plate__version, (str)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.version must be string", value=data__plate__version, name="" + (name_prefix or "data") + ".plate.version", rule='type'))
                    if not (isinstance(data__plate__version, str) and data__plate__version == '0.4'):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.version must be one of ['0.4']", value=data__plate__version, name="" + (name_prefix or "data") + ".plate.version", rule='enum'))
                if "field_count" in data__plate_keys:
                    data__plate_keys.remove("field_count")
                    data__plate__fieldcount = data__plate["field_count"]
                    if not isinstance(data__plate__fieldcount, (int)) and not (isinstance(data__plate__fieldcount, float) and data__plate__fieldcount.is_integer()) or isinstance(data__plate__fieldcount, bool):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.field_count must be integer", value=data__plate__fieldcount, name="" + (name_prefix or "data") + ".plate.field_count", rule='type'))
                    if isinstance(data__plate__fieldcount, (int, float, Decimal)) and not isinstance(data__plate__fieldcount, bool):
                        if data__plate__fieldcount <= 0:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.field_count must be bigger than 0", value=data__plate__fieldcount, name="" + (name_prefix or "data") + ".plate.field_count", rule='exclusiveMinimum'))
                if "name" in data__plate_keys:
                    data__plate_keys.remove("name")
                    data__plate__name = data__plate["name"]
                    if not isinstance(data__plate__name, (str)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.name must be string", value=data__plate__name, name="" + (name_prefix or "data") + ".plate.name", rule='type'))
                if "columns" in data__plate_keys:
                    data__plate_keys.remove("columns")
                    data__plate__columns = data__plate["columns"]
                    if not isinstance(data__plate__columns, (list, tuple)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.columns must be array", value=data__plate__columns, name="" + (name_prefix or "data") + ".plate.columns", rule='type'))
                    data__plate__columns_is_list = isinstance(data__plate__columns, (list, tuple))
                    if data__plate__columns_is_list:
                        data__plate__columns_len = len(data__plate__columns)
                        if data__plate__columns_len < 1:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.columns must contain at least 1 items", value=data__plate__columns, name="" + (name_prefix or "data") + ".plate.columns", rule='minItems'))
                        def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                        if data__plate__columns_len > len(set(fn(data__plate__columns_x) for data__plate__columns_x in data__plate__columns)):
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.columns must contain unique items", value=data__plate__columns, name="" + (name_prefix or "data") + ".plate.columns", rule='uniqueItems'))
                        for data__plate__columns_x, data__plate__columns_item in enumerate(data__plate__columns):
                            if not isinstance(data__plate__columns_item, (dict)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.columns[{data__plate__columns_x}]".format(**locals()) + " must be object", value=data__plate__columns_item, name="" + (name_prefix or "data") + ".plate.columns[{data__plate__columns_x}]".format(**locals()) + "", rule='type'))
                            data__plate__columns_item_is_dict = isinstance(data__plate__columns_item, dict)
                            if data__plate__columns_item_is_dict:
                                data__plate__columns_item__missing_keys = set(['name']) - data__plate__columns_item.keys()
                                if data__plate__columns_item__missing_keys:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.columns[{data__plate__columns_x}]".format(**locals()) + " must contain " + (str(sorted(data__plate__columns_item__missing_keys)) + " properties"), value=data__plate__columns_item, name="" + (name_prefix or "data") + ".plate.columns[{data__plate__columns_x}]".format(**locals()) + "", rule='required'))
                                data__plate__columns_item_keys = set(data__plate__columns_item.keys())
                                if "name" in data__plate__columns_item_keys:
                                    data__plate__columns_item_keys.remove("name")
                                    data__plate__columns_item__name = data__plate__columns_item["name"]
                                    if not isinstance(data__plate__columns_item__name, (str)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.columns[{data__plate__columns_x}].name".format(**locals()) + " must be string", value=data__plate__columns_item__name, name="" + (name_prefix or "data") + ".plate.columns[{data__plate__columns_x}].name".format(**locals()) + "", rule='type'))
                                    if isinstance(data__plate__columns_item__name, str):
                                        if not REGEX_PATTERNS['^[A-Za-z0-9]+$'].search(data__plate__columns_item__name):
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.columns[{data__plate__columns_x}].name".format(**locals()) + " must match pattern ^[A-Za-z0-9]+$", value=data__plate__columns_item__name, name="" + (name_prefix or "data") + ".plate.columns[{data__plate__columns_x}].name".format(**locals()) + "", rule='pattern'))
                if "rows" in data__plate_keys:
                    data__plate_keys.remove("rows")
                    data__plate__rows = data__plate["rows"]
                    if not isinstance(data__plate__rows, (list, tuple)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.rows must be array", value=data__plate__rows, name="" + (name_prefix or "data") + ".plate.rows", rule='type'))
                    data__plate__rows_is_list = isinstance(data__plate__rows, (list, tuple))
                    if data__plate__rows_is_list:
                        data__plate__rows_len = len(data__plate__rows)
                        if data__plate__rows_len < 1:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.rows must contain at least 1 items", value=data__plate__rows, name="" + (name_prefix or "data") + ".plate.rows", rule='minItems'))
                        def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                        if data__plate__rows_len > len(set(fn(data__plate__rows_x) for data__plate__rows_x in data__plate__rows)):
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.rows must contain unique items", value=data__plate__rows, name="" + (name_prefix or "data") + ".plate.rows", rule='uniqueItems'))
                        for data__plate__rows_x, data__plate__rows_item in enumerate(data__plate__rows):
                            if not isinstance(data__plate__rows_item, (dict)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.rows[{data__plate__rows_x}]".format(**locals()) + " must be object", value=data__plate__rows_item, name="" + (name_prefix or "data") + ".plate.rows[{data__plate__rows_x}]".format(**locals()) + "", rule='type'))
                            data__plate__rows_item_is_dict = isinstance(data__plate__rows_item, dict)
                            if data__plate__rows_item_is_dict:
                                data__plate__rows_item__missing_keys = set(['name']) - data__plate__rows_item.keys()
                                if data__plate__rows_item__missing_keys:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.rows[{data__plate__rows_x}]".format(**locals()) + " must contain " + (str(sorted(data__plate__rows_item__missing_keys)) + " properties"), value=data__plate__rows_item, name="" + (name_prefix or "data") + ".plate.rows[{data__plate__rows_x}]".format(**locals()) + "", rule='required'))
                                data__plate__rows_item_keys = set(data__plate__rows_item.keys())
                                if "name" in data__plate__rows_item_keys:
                                    data__plate__rows_item_keys.remove("name")
                                    data__plate__rows_item__name = data__plate__rows_item["name"]
                                    if not isinstance(data__plate__rows_item__name, (str)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.rows[{data__plate__rows_x}].name".format(**locals()) + " must be string", value=data__plate__rows_item__name, name="" + (name_prefix or "data") + ".plate.rows[{data__plate__rows_x}].name".format(**locals()) + "", rule='type'))
                                    if isinstance(data__plate__rows_item__name, str):
                                        if not REGEX_PATTERNS['^[A-Za-z0-9]+$'].search(data__plate__rows_item__name):
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.rows[{data__plate__rows_x}].name".format(**locals()) + " must match pattern ^[A-Za-z0-9]+$", value=data__plate__rows_item__name, name="" + (name_prefix or "data") + ".plate.rows[{data__plate__rows_x}].name".format(**locals()) + "", rule='pattern'))
                if "wells" in data__plate_keys:
                    data__plate_keys.remove("wells")
                    data__plate__wells = data__plate["wells"]
                    if not isinstance(data__plate__wells, (list, tuple)):
                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells must be array", value=data__plate__wells, name="" + (name_prefix or "data") + ".plate.wells", rule='type'))
                    data__plate__wells_is_list = isinstance(data__plate__wells, (list, tuple))
                    if data__plate__wells_is_list:
                        data__plate__wells_len = len(data__plate__wells)
                        if data__plate__wells_len < 1:
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells must contain at least 1 items", value=data__plate__wells, name="" + (name_prefix or "data") + ".plate.wells", rule='minItems'))
                        def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                        if data__plate__wells_len > len(set(fn(data__plate__wells_x) for data__plate__wells_x in data__plate__wells)):
                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells must contain unique items", value=data__plate__wells, name="" + (name_prefix or "data") + ".plate.wells", rule='uniqueItems'))
                        for data__plate__wells_x, data__plate__wells_item in enumerate(data__plate__wells):
                            if not isinstance(data__plate__wells_item, (dict)):
                                errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}]".format(**locals()) + " must be object", value=data__plate__wells_item, name="" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}]".format(**locals()) + "", rule='type'))
                            data__plate__wells_item_is_dict = isinstance(data__plate__wells_item, dict)
                            if data__plate__wells_item_is_dict:
                                data__plate__wells_item__missing_keys = set(['path', 'rowIndex', 'columnIndex']) - data__plate__wells_item.keys()
                                if data__plate__wells_item__missing_keys:
                                    errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}]".format(**locals()) + " must contain " + (str(sorted(data__plate__wells_item__missing_keys)) + " properties"), value=data__plate__wells_item, name="" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}]".format(**locals()) + "", rule='required'))
                                data__plate__wells_item_keys = set(data__plate__wells_item.keys())
                                if "path" in data__plate__wells_item_keys:
                                    data__plate__wells_item_keys.remove("path")
                                    data__plate__wells_item__path = data__plate__wells_item["path"]
                                    if not isinstance(data__plate__wells_item__path, (str)):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].path".format(**locals()) + " must be string", value=data__plate__wells_item__path, name="" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].path".format(**locals()) + "", rule='type'))
                                    if isinstance(data__plate__wells_item__path, str):
                                        if not REGEX_PATTERNS['^[A-Za-z0-9]+/[A-Za-z0-9]+$'].search(data__plate__wells_item__path):
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].path".format(**locals()) + " must match pattern ^[A-Za-z0-9]+/[A-Za-z0-9]+$", value=data__plate__wells_item__path, name="" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].path".format(**locals()) + "", rule='pattern'))
                                if "rowIndex" in data__plate__wells_item_keys:
                                    data__plate__wells_item_keys.remove("rowIndex")
                                    data__plate__wells_item__rowIndex = data__plate__wells_item["rowIndex"]
                                    if not isinstance(data__plate__wells_item__rowIndex, (int)) and not (isinstance(data__plate__wells_item__rowIndex, float) and data__plate__wells_item__rowIndex.is_integer()) or isinstance(data__plate__wells_item__rowIndex, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].rowIndex".format(**locals()) + " must be integer", value=data__plate__wells_item__rowIndex, name="" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].rowIndex".format(**locals()) + "", rule='type'))
                                    if isinstance(data__plate__wells_item__rowIndex, (int, float, Decimal)) and not isinstance(data__plate__wells_item__rowIndex, bool):
                                        if data__plate__wells_item__rowIndex < 0:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].rowIndex".format(**locals()) + " must be bigger than or equal to 0", value=data__plate__wells_item__rowIndex, name="" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].rowIndex".format(**locals()) + "", rule='minimum'))
                                if "columnIndex" in data__plate__wells_item_keys:
                                    data__plate__wells_item_keys.remove("columnIndex")
                                    data__plate__wells_item__columnIndex = data__plate__wells_item["columnIndex"]
                                    if not isinstance(data__plate__wells_item__columnIndex, (int)) and not (isinstance(data__plate__wells_item__columnIndex, float) and data__plate__wells_item__columnIndex.is_integer()) or isinstance(data__plate__wells_item__columnIndex, bool):
                                        errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].columnIndex".format(**locals()) + " must be integer", value=data__plate__wells_item__columnIndex, name="" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].columnIndex".format(**locals()) + "", rule='type'))
                                    if isinstance(data__plate__wells_item__columnIndex, (int, float, Decimal)) and not isinstance(data__plate__wells_item__columnIndex, bool):
                                        if data__plate__wells_item__columnIndex < 0:
                                            errors.append(JsonSchemaValueException("" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].columnIndex".format(**locals()) + " must be bigger than or equal to 0", value=data__plate__wells_item__columnIndex, name="" + (name_prefix or "data") + ".plate.wells[{data__plate__wells_x}].columnIndex".format(**locals()) + "", rule='minimum'))
    if errors: raise JsonSchemaValuesException(errors)
    return data

validate = validate_https___ngff_openmicroscopy_org_0_4_schemas_plate_schema
