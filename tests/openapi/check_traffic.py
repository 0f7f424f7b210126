#!/usr/bin/env python3
"""Checks the gateway's OpenAPI document and recorded API traffic against it.

Usage:
    check_traffic.py <openapi.json> <traffic.jsonl> [<traffic.jsonl> ...]
    check_traffic.py --document-only <openapi.json>

First the document itself is checked: `openapi` is 3.1.0, every schema is a valid JSON Schema
(Draft 2020-12), every `$ref` resolves, operationIds are unique and every path template's
parameters are declared. Then every exchange of the traffic files (one JSON object a line, as
tests/testutil/api_harness.cc writes them) is matched to its operation, and its request body
(for 2xx answers) and answer body are validated against the declared schemas.

Each failure is printed on one line. The exit status is 1 when anything failed (or a traffic
file is missing or empty), else 0 after a one-line summary.
"""

import argparse
import json
import re
import sys
import warnings
from urllib.parse import quote, unquote

import jsonschema

# Where the document is registered for resolving references while validating.
DOCUMENT_URI = "https://openapi.invalid/openapi.json"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Answers the pipeline may give on any route (authentication, rate limit, storage): accepted
# when they are valid problem details.
PIPELINE_STATUSES = {401, 403, 429, 503}
PROBLEM_POINTER = "/components/schemas/Problem"
PROBLEM_MEDIA_TYPE = "application/problem+json"
# Keys whose values are data, not schemas or OpenAPI objects: a "$ref" inside is not a reference.
DATA_KEYWORDS = {"example", "examples", "enum", "const", "default"}
MAX_ERRORS_PER_BODY = 5
MAX_MESSAGE_CHARS = 300


# --- JSON pointers and references ------------------------------------------------------------

def escape_token(token):
    """One JSON pointer reference token for `token` (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(pointer, *tokens):
    """`pointer` extended by `tokens`."""
    return pointer + "".join("/" + escape_token(t) for t in tokens)


def resolve_pointer(document, pointer):
    """The node of `document` at JSON pointer `pointer`; KeyError when there is none."""
    node = document
    if pointer == "":
        return node
    if not pointer.startswith("/"):
        raise KeyError(pointer)
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


def ref_pointer(ref):
    """The JSON pointer of a local reference ("#/components/..."); ValueError otherwise."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        raise ValueError("only local references (#/...) are supported: %r" % (ref,))
    return unquote(ref[1:])


def follow(document, pointer):
    """(node, pointer) at `pointer`, following OpenAPI object references ({"$ref": ...})."""
    seen = set()
    node = resolve_pointer(document, pointer)
    while isinstance(node, dict) and "$ref" in node:
        if pointer in seen:
            raise ValueError("reference loop at " + pointer)
        seen.add(pointer)
        pointer = ref_pointer(node["$ref"])
        node = resolve_pointer(document, pointer)
    return node, pointer


def iter_refs(node, pointer=""):
    """Yields (pointer, ref) for every reference in `node`, skipping literal data."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer, ref
        for key, value in node.items():
            if key not in DATA_KEYWORDS:
                yield from iter_refs(value, join_pointer(pointer, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_refs(value, join_pointer(pointer, index))


# --- Walking the document --------------------------------------------------------------------

def iter_operations(document):
    """Yields (path template, method, operation pointer) for every operation."""
    for template, item in sorted((document.get("paths") or {}).items()):
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield template, method, join_pointer("/paths", template, method)


def iter_content_schemas(document, content_pointer):
    """Yields the pointers of the schemas of a `content` map."""
    content = resolve_pointer(document, content_pointer)
    if isinstance(content, dict):
        for media_type, media in content.items():
            if isinstance(media, dict) and "schema" in media:
                yield join_pointer(content_pointer, media_type, "schema")


def iter_operation_schemas(document, operation_pointer):
    """Yields the pointers of every schema an operation uses directly (parameters, request
    body, answers and their headers), after following OpenAPI object references."""
    path_item_pointer = operation_pointer.rsplit("/", 1)[0]
    for owner in (path_item_pointer, operation_pointer):
        for index, _ in enumerate(resolve_pointer(document, owner).get("parameters") or []):
            parameter, pointer = follow(document, join_pointer(owner, "parameters", index))
            if "schema" in parameter:
                yield join_pointer(pointer, "schema")
            if "content" in parameter:
                yield from iter_content_schemas(document, join_pointer(pointer, "content"))
    operation = resolve_pointer(document, operation_pointer)
    if "requestBody" in operation:
        body, pointer = follow(document, join_pointer(operation_pointer, "requestBody"))
        if "content" in body:
            yield from iter_content_schemas(document, join_pointer(pointer, "content"))
    for status in operation.get("responses") or {}:
        response, pointer = follow(document, join_pointer(operation_pointer, "responses",
                                                          status))
        if "content" in response:
            yield from iter_content_schemas(document, join_pointer(pointer, "content"))
        for name in response.get("headers") or {}:
            header, header_pointer = follow(document, join_pointer(pointer, "headers", name))
            if "schema" in header:
                yield join_pointer(header_pointer, "schema")


def declared_parameters(document, operation_pointer):
    """The operation's parameters by (name, location): the path item's, overridden by the
    operation's own."""
    path_item_pointer = operation_pointer.rsplit("/", 1)[0]
    parameters = {}
    for owner in (path_item_pointer, operation_pointer):
        for index, _ in enumerate(resolve_pointer(document, owner).get("parameters") or []):
            parameter, _ = follow(document, join_pointer(owner, "parameters", index))
            parameters[(parameter.get("name"), parameter.get("in"))] = parameter
    return parameters


# --- Checking the document -------------------------------------------------------------------

def check_references(document):
    """Failures for references that do not resolve."""
    failures = []
    for pointer, ref in iter_refs(document):
        try:
            resolve_pointer(document, ref_pointer(ref))
        except (KeyError, ValueError) as error:
            failures.append("document: %s: $ref %s does not resolve (%s)"
                            % (pointer or "/", ref, error))
    return failures


def check_schemas(document):
    """Failures for schemas (components and operations) that are not valid JSON Schemas."""
    pointers = [join_pointer("/components/schemas", name)
                for name in sorted((document.get("components") or {}).get("schemas") or {})]
    for _, _, operation_pointer in iter_operations(document):
        pointers.extend(iter_operation_schemas(document, operation_pointer))
    pointers = list(dict.fromkeys(pointers))
    failures = []
    for pointer in pointers:
        try:
            jsonschema.Draft202012Validator.check_schema(resolve_pointer(document, pointer))
        except jsonschema.exceptions.SchemaError as error:
            failures.append("document: %s: invalid schema: %s at %s"
                            % (pointer, shorten(error.message), json_path(error)))
    return failures, len(pointers)


def check_operations(document):
    """Failures for missing or repeated operationIds, undeclared path parameters, operations
    without answers and unknown security schemes."""
    failures = []
    owners = {}
    schemes = set(((document.get("components") or {}).get("securitySchemes") or {}).keys())
    for requirement in document.get("security") or []:
        for name in requirement:
            if name not in schemes:
                failures.append("document: /security: unknown security scheme " + name)
    for template, method, pointer in iter_operations(document):
        operation = resolve_pointer(document, pointer)
        where = "%s %s" % (method.upper(), template)
        operation_id = operation.get("operationId")
        if not operation_id:
            failures.append("document: %s: no operationId" % where)
        elif operation_id in owners:
            failures.append("document: %s: operationId %s is also used by %s"
                            % (where, operation_id, owners[operation_id]))
        else:
            owners[operation_id] = where
        if not operation.get("responses"):
            failures.append("document: %s: no responses" % where)
        for requirement in operation.get("security") or []:
            for name in requirement:
                if name not in schemes:
                    failures.append("document: %s: unknown security scheme %s" % (where, name))
        in_template = set(re.findall(r"\{([^{}/]+)\}", template))
        parameters = declared_parameters(document, pointer)
        in_path = {name for (name, location) in parameters if location == "path"}
        for name in sorted(in_template - in_path):
            failures.append("document: %s: path parameter {%s} is not declared" % (where, name))
        for name in sorted(in_path - in_template):
            failures.append("document: %s: path parameter %s is not in the path" % (where, name))
        for name in sorted(in_path & in_template):
            if parameters[(name, "path")].get("required") is not True:
                failures.append("document: %s: path parameter %s must be required"
                                % (where, name))
    return failures


def check_document(document):
    """All failures of the document itself, and how many schemas were checked."""
    if not isinstance(document, dict):
        return ["document: not a JSON object"], 0
    failures = []
    if document.get("openapi") != "3.1.0":
        failures.append("document: openapi is %r, expected \"3.1.0\""
                        % (document.get("openapi"),))
    broken = check_references(document)
    if not isinstance(document.get("paths"), dict):
        broken.append("document: no paths")
    if broken:
        return failures + broken, 0  # Schemas and operations cannot be walked safely.
    schema_failures, schema_count = check_schemas(document)
    failures.extend(schema_failures)
    failures.extend(check_operations(document))
    return failures, schema_count


# --- Validating bodies -----------------------------------------------------------------------

def shorten(text):
    """`text` on one line, cut to a readable length."""
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "..."


def json_path(error):
    """The JSON path ("$.addresses[0].value") of the instance a validation error is about."""
    path = "$"
    for element in error.absolute_path:
        path += "[%d]" % element if isinstance(element, int) else "." + str(element)
    return path


class BodyValidator:
    """Validates JSON instances against schemas of the document, named by JSON pointer, with
    references resolved against the whole document."""

    def __init__(self, document):
        """Registers `document` for reference resolution."""
        self._document = document
        self._validators = {}
        try:
            from referencing import Registry
            from referencing.jsonschema import DRAFT202012
        except ImportError:  # jsonschema before 4.18: its own resolver.
            self._registry = None
            self._resolver = jsonschema.RefResolver(DOCUMENT_URI, document,
                                                    store={DOCUMENT_URI: document})
        else:
            self._registry = Registry().with_resource(
                DOCUMENT_URI, DRAFT202012.create_resource(document))
            self._resolver = None

    def _validator(self, pointer):
        """The (cached) validator of the schema at `pointer`."""
        if pointer not in self._validators:
            schema = {"$ref": DOCUMENT_URI + "#" + quote(pointer, safe="/~:@!$&'()*,;=-._")}
            if self._registry is not None:
                validator = jsonschema.Draft202012Validator(schema, registry=self._registry)
            else:
                validator = jsonschema.Draft202012Validator(schema, resolver=self._resolver)
            self._validators[pointer] = validator
        return self._validators[pointer]

    def errors(self, pointer, instance):
        """One line per way `instance` fails the schema at `pointer` (at most a few)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            found = sorted(self._validator(pointer).iter_errors(instance),
                           key=lambda e: (list(map(str, e.absolute_path)), e.message))
        lines = []
        for error in found[:MAX_ERRORS_PER_BODY]:
            # For anyOf/oneOf, the closest branch says more than "not valid under any".
            detail = jsonschema.exceptions.best_match(error.context) if error.context else error
            lines.append("%s at %s" % (shorten(detail.message), json_path(detail)))
        if len(found) > MAX_ERRORS_PER_BODY:
            lines.append("... and %d more errors" % (len(found) - MAX_ERRORS_PER_BODY))
        return lines


# --- Matching exchanges ----------------------------------------------------------------------

class Router:
    """Finds the path template of a request path: `{param}` matches one non-empty segment, and
    literal segments are preferred over parameters, leftmost first."""

    def __init__(self, document):
        """Indexes the document's path templates by segment count."""
        self._templates = {}
        for template in (document.get("paths") or {}):
            segments = template.split("/")
            pattern = [None if re.fullmatch(r"\{[^{}/]+\}", s) else s for s in segments]
            self._templates.setdefault(len(segments), []).append((pattern, template))

    def match(self, path):
        """The template matching `path` (without query), or None."""
        segments = [unquote(s) for s in path.split("/")]
        best = None
        for pattern, template in self._templates.get(len(segments), []):
            if all(literal == segment if literal is not None else segment != ""
                   for literal, segment in zip(pattern, segments)):
                rank = tuple(literal is None for literal in pattern)
                if best is None or rank < best[0]:
                    best = (rank, template)
        return best[1] if best else None


def media_type(content_type):
    """The media type of a Content-Type value, without parameters, lower case."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json_media(media):
    """True for application/json and the +json types (problem+json, merge-patch+json)."""
    return media == "application/json" or media.endswith("+json")


def find_media(content, media):
    """The key of `content` serving `media`: exact, then "type/*", then "*/*"; None if none."""
    keys = {media_type(key): key for key in content}
    for candidate in (media, media.split("/", 1)[0] + "/*", "*/*"):
        if candidate in keys:
            return keys[candidate]
    return None


def find_response(responses, status):
    """The key of `responses` for `status`: the exact code, then "4XX"-style, then default."""
    for key in (str(status), str(status)[0] + "XX", str(status)[0] + "xx", "default"):
        if key in responses:
            return key
    return None


def split_target(target):
    """(path, query parameter names) of a request target."""
    path, _, query = target.partition("?")
    path = path.partition("#")[0]
    names = {unquote(part.partition("=")[0].replace("+", " "))
             for part in query.split("&") if part}
    return path, names


def is_route_probe(exchange):
    """True for the answer to a request no route serves (tests probe unknown routes)."""
    body = exchange.get("response_body")
    return (exchange.get("status") in (404, 405) and isinstance(body, dict)
            and str(body.get("detail", "")).lower() == "no such route")


class TrafficChecker:
    """Checks exchanges against the document and keeps coverage counts."""

    def __init__(self, document):
        """Prepares routing and validation for `document`."""
        self._document = document
        self._router = Router(document)
        self._bodies = BodyValidator(document)
        self.operations = {(method, template): pointer
                           for template, method, pointer in iter_operations(document)}
        self.covered = set()
        self.covered_ok = set()
        self.checked = 0

    def check(self, exchange):
        """Failure descriptions (without the exchange's name) for one exchange."""
        if not isinstance(exchange, dict):
            return ["not a JSON object"]
        method, target, status = (exchange.get(k) for k in ("method", "path", "status"))
        if not isinstance(method, str) or not isinstance(target, str) or \
                not isinstance(status, int):
            return ["malformed exchange: needs method, path and status"]
        self.checked += 1
        path, query_names = split_target(target)
        template = self._router.match(path)
        key = (method.lower(), template)
        if key not in self.operations and method.lower() == "head":
            key = ("get", template)  # HEAD is served by the GET route.
        if key not in self.operations:
            if is_route_probe(exchange):
                return []
            if template is None:
                return ["no path template matches %s" % path]
            return ["%s has no %s operation" % (template, method.upper())]
        self.covered.add(key)
        if 200 <= status < 300:
            self.covered_ok.add(key)
        operation_pointer = self.operations[key]
        failures = []
        if 200 <= status < 300:
            failures.extend(self._check_request(operation_pointer, exchange, query_names))
        if status in PIPELINE_STATUSES and \
                media_type(exchange.get("response_content_type")) == PROBLEM_MEDIA_TYPE:
            errors = self._bodies.errors(PROBLEM_POINTER, exchange.get("response_body"))
            return failures + ["answer is not a valid Problem: " + e for e in errors]
        return failures + self._check_response(operation_pointer, exchange)

    def _check_request(self, operation_pointer, exchange, query_names):
        """Failures of an accepted request: required query parameters and the JSON body."""
        failures = []
        for (name, location), parameter in sorted(
                declared_parameters(self._document, operation_pointer).items(),
                key=lambda item: str(item[0])):
            if location == "query" and parameter.get("required") and name not in query_names:
                failures.append("required query parameter %s is missing" % name)
        operation = resolve_pointer(self._document, operation_pointer)
        body = exchange.get("request_body")
        media = media_type(exchange.get("request_content_type"))
        if "requestBody" not in operation or body is None or isinstance(body, str) or \
                not is_json_media(media):
            return failures
        request_body, pointer = follow(self._document,
                                       join_pointer(operation_pointer, "requestBody"))
        content = request_body.get("content") or {}
        key = find_media(content, media)
        if key is None or not is_json_media(media_type(key)) or "schema" not in content[key]:
            return failures
        schema_pointer = join_pointer(pointer, "content", key, "schema")
        failures.extend("request body: " + e for e in self._bodies.errors(schema_pointer, body))
        return failures

    def _check_response(self, operation_pointer, exchange):
        """Failures of the answer: a declared status, content type and a valid body."""
        status = exchange["status"]
        responses_pointer = join_pointer(operation_pointer, "responses")
        responses = resolve_pointer(self._document, responses_pointer)
        key = find_response(responses, status)
        if key is None:
            return ["status %d is not declared (declared: %s)"
                    % (status, ", ".join(sorted(responses)))]
        response, pointer = follow(self._document, join_pointer(responses_pointer, key))
        content = response.get("content") or {}
        media = media_type(exchange.get("response_content_type"))
        body = exchange.get("response_body")
        empty = body is None or body == ""
        if not media:
            if content and empty:
                return ["answer has no body, but response %s declares %s"
                        % (key, ", ".join(sorted(content)))]
            return []
        media_key = find_media(content, media)
        if media_key is None:
            if empty and not content:
                return []
            return ["Content-Type %s is not declared for %s (declared: %s)"
                    % (media, key, ", ".join(sorted(content)) or "no content")]
        if not is_json_media(media) or "schema" not in content[media_key]:
            return []
        schema_pointer = join_pointer(pointer, "content", media_key, "schema")
        return ["answer (%s): %s" % (key, e) for e in self._bodies.errors(schema_pointer, body)]


# --- Command line ----------------------------------------------------------------------------

def read_traffic(path):
    """Yields (line number, exchange or None, problem) for each non-blank line of a file."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line), None
            except json.JSONDecodeError as error:
                yield number, None, "not JSON: %s" % error


def describe(exchange):
    """"METHOD path status" of an exchange, for failure lines."""
    if not isinstance(exchange, dict):
        return "?"
    return "%s %s %s" % (exchange.get("method"), exchange.get("path"), exchange.get("status"))


def check_files(checker, paths):
    """Checks every traffic file; returns the failure lines."""
    failures = []
    for path in paths:
        count = 0
        try:
            for number, exchange, problem in read_traffic(path):
                where = "%s:%d" % (path, number)
                if problem:
                    failures.append("%s: %s" % (where, problem))
                    continue
                count += 1
                for failure in checker.check(exchange):
                    failures.append("%s: %s (%s)" % (describe(exchange), failure, where))
        except (OSError, UnicodeDecodeError) as error:
            failures.append("%s: cannot read: %s" % (path, error))
            continue
        if count == 0:
            failures.append("%s: no exchanges" % path)
    return failures


def parse_arguments(argv):
    """The command line's document, traffic files and mode."""
    parser = argparse.ArgumentParser(
        description="Check an OpenAPI 3.1 document and recorded API traffic against it.")
    parser.add_argument("--document-only", action="store_true",
                        help="check only the document, without traffic")
    parser.add_argument("document", help="the OpenAPI document (JSON)")
    parser.add_argument("traffic", nargs="*", help="traffic files (JSON lines)")
    arguments = parser.parse_args(argv)
    if not arguments.traffic and not arguments.document_only:
        parser.error("give at least one traffic file (or --document-only)")
    return arguments


def main(argv):
    """Runs the checks; the process exit status."""
    arguments = parse_arguments(argv)
    try:
        with open(arguments.document, encoding="utf-8") as source:
            document = json.load(source)
    except (OSError, ValueError) as error:
        print("%s: cannot read the document: %s" % (arguments.document, error))
        return 1
    failures, schema_count = check_document(document)
    for failure in failures:
        print(failure)
    if failures:
        print("FAILED: %d problems in the document %s" % (len(failures), arguments.document))
        return 1
    checker = TrafficChecker(document)
    total = len(checker.operations)
    if arguments.document_only:
        print("document OK: openapi %s, %d paths, %d operations, %d schemas checked"
              % (document["openapi"], len(document["paths"]), total, schema_count))
        return 0
    failures = check_files(checker, arguments.traffic)
    for failure in failures:
        print(failure)
    summary = ("%d exchanges checked in %d files; %d of %d operations covered (%d with a 2xx "
               "answer)" % (checker.checked, len(arguments.traffic), len(checker.covered),
                            total, len(checker.covered_ok)))
    if failures:
        print("FAILED: %d failures; %s" % (len(failures), summary))
        return 1
    print("OK: " + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
