#!/usr/bin/python3
"""Writes the seed corpora of the text-free fuzz targets (h1_parser, h2_session, sdk_signer,
validation, admin_api) into fuzz/corpus/<target>/. The snapshot_file seeds are real snapshot files
(see docs/fuzzing.md). Run from anywhere; rewrites the files it owns."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- h1_parser: control byte (bits 0-1 mode, bit 2 tiny limits, bits 3-7 piece size) + bytes
h1 = {
    "get": b"\x00GET /path?x=1 HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\n\r\nhello",
    "post_chunked": b"\x00POST /a HTTP/1.0\r\nHost: b\r\nTransfer-Encoding: chunked\r\n"
                    b"Connection: keep-alive\r\nExpect: 100-continue\r\n\r\n",
    "leading_crlf": b"\x00\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "tiny_limits": b"\x04GET /abc HTTP/1.1\r\nA: b\r\nCc: dd\r\n\r\n",
    "response": b"\x01HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    "response_te": b"\x01HTTP/1.0 204 No Content\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "chunked": b"\x02" + b"5\r\nhello\r\n0\r\n\r\n",
    "chunked_ext_trailer": b"\x1a3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n",
    "chunked_over_limit": b"\x0e41\r\n" + b"x" * 65 + b"\r\n0\r\n\r\n",
}
for name, data in h1.items():
    write("h1_parser", name, data)


# ---- h2_session: control byte (bit 0 no preface, bit 1 tiny limits, bits 2-7 piece size) +
# frames (the harness sends the connection preface first).
def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def lit(index, value):  # literal header field without indexing, indexed name (index < 15)
    value = value.encode()
    return bytes([index, len(value)]) + value


def lit_name(name, value):  # literal without indexing, new name
    return b"\x00" + bytes([len(name)]) + name.encode() + bytes([len(value)]) + value.encode()


DATA, HEADERS, PRIORITY, RST, SETTINGS, PING, GOAWAY, WINDOW, CONT = 0, 1, 2, 3, 4, 6, 7, 8, 9
END_STREAM, END_HEADERS, ACK = 1, 4, 1
get = b"\x82\x86\x84" + lit(1, "a.example")  # GET http / authority
post = b"\x83\x86" + lit(4, "/p?q=1") + lit(1, "a.example") + b"\x0f\x0d\x015"  # content-length 5
settings = frame(SETTINGS, 0, 0, struct.pack(">HI", 3, 100) + struct.pack(">HI", 4, 65535))
h2 = {
    "get": b"\x00" + settings + frame(HEADERS, END_HEADERS | END_STREAM, 1, get),
    "post": b"\x00" + settings + frame(HEADERS, END_HEADERS, 1, post) + frame(DATA, END_STREAM, 1, b"hello"),
    "two_streams": b"\x10" + settings + frame(HEADERS, END_HEADERS, 1, post)
                   + frame(HEADERS, END_HEADERS | END_STREAM, 3, get + lit_name("x-a", "b"))
                   + frame(WINDOW, 0, 0, struct.pack(">I", 1000)) + frame(DATA, END_STREAM, 1, b"hello")
                   + frame(PING, 0, 0, b"12345678") + frame(SETTINGS, ACK, 0),
    "continuation": b"\x00" + settings + frame(HEADERS, END_STREAM, 1, get[:3])
                    + frame(CONT, END_HEADERS, 1, get[3:]),
    "reset_and_goaway": b"\x00" + settings + frame(HEADERS, END_HEADERS, 1, post)
                        + frame(RST, 0, 1, struct.pack(">I", 8))
                        + frame(PRIORITY, 0, 3, struct.pack(">IB", 1, 16))
                        + frame(GOAWAY, 0, 0, struct.pack(">II", 1, 0)),
    "tiny_limits_body": b"\x02" + settings + frame(HEADERS, END_HEADERS, 1, b"\x83\x86\x84" + lit(1, "a"))
                        + frame(DATA, 0, 1, b"y" * 70) + frame(DATA, END_STREAM, 1, b"z"),
    "tiny_limits_headers": b"\x06" + settings + frame(
        HEADERS, END_HEADERS | END_STREAM, 1, get + lit_name("x-long", "v" * 60)),
}
for name, data in h2.items():
    write("h2_session", name, data)

# ---- sdk_signer: Authorization, target, method, X-Sdk-Date, then "name: value" headers
sdk = {
    "signed": "SDK-HMAC-SHA256 Access=key1, SignedHeaders=host;x-sdk-date, Signature=0a1b2c\n"
              "/path/a%20b/?b=2&a=1&c\nPOST\n20240101T120000Z\nHost: api.example\n"
              "X-Sdk-Date: 20240101T120000Z",
    "repeated_headers": "SDK-HMAC-SHA256\tAccess = k ,SignedHeaders=X-A;x-b , Signature=ff\n"
                        "/%E4%B8%AD/%zz%/?a=%2B+&a=1&=x\nget\n20241231T235960Z\n"
                        "x-a: 2\nX-A:  1 \nx-b:\t",
    "bad_date": "SDK-HMAC-SHA256 Access=a, SignedHeaders=, Signature=s\n/\nPUT\n20240230T250000Z",
}
for name, data in sdk.items():
    write("sdk_signer", name, data)

# ---- validation: the whole input is one value
values = {
    "app_name": "my_app_1", "app_name_cjk": "应用名称abc", "remark_emoji": "remark \U0001F600",
    "bad_utf8": b"ab\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80", "hex_id": "0123456789abcdef0123456789ABCDEF",
    "app_code": "A" * 60 + "+/=-!@#$%_", "app_secret": "Secret_1!@#$%", "roma_key": "key.name@x-1",
    "req_uri": "/v1/{project_id}/items/{rest+}", "backend_uri": "/b/#env_var#/x.json",
    "url_domain": "host-1.example:8080", "url_domain_vars": "#host#:#port#",
    "api_name": "Api_(v2)/list:all", "env_variable_value": "a-b_c/d.e:f",
}
for name, data in values.items():
    write("validation", name, data)

# ---- admin_api: "METHOD target\n" + body; {project_id} etc. stand for the bootstrap's ids
admin = {
    "create_app": 'POST /v2/{project_id}/apigw/instances/{instance_id}/apps\n{"name":"app_one","remark":"r"}',
    "list_apps": "GET /v2/{project_id}/apigw/instances/{instance_id}/apps?offset=1&limit=2&name=app",
    "create_group": 'POST /v2/{project_id}/apigw/instances/{instance_id}/api-groups\n{"name":"group_1","remark":"g"}',
    "create_env": 'POST /v2/{project_id}/apigw/instances/{instance_id}/envs\n{"name":"env_1"}',
    "create_api": 'POST /v2/{project_id}/apigw/instances/{instance_id}/apis\n'
                  '{"group_id":"{group_id}","name":"api_1","type":1,"req_protocol":"HTTPS","req_method":"GET",'
                  '"req_uri":"/a/{id}","auth_type":"APP","backend_type":"HTTP",'
                  '"req_params":[{"name":"id","type":"STRING","location":"PATH","required":1}],'
                  '"backend_api":{"req_protocol":"HTTP","req_method":"GET","url_domain":"127.0.0.1:9",'
                  '"req_uri":"/b/{id}","timeout":5000},'
                  '"backend_params":[{"name":"id","location":"PATH","origin":"REQUEST","value":"id"}]}',
    "roma_app": 'POST /v2/{project_id}/instances/{roma_instance_id}/apps\n{"name":"roma_app","app_key":"key-0001","app_secret":"secret-001"}',
    "modelarts_app": 'POST /v1/{project_id}/app-auth/apps\n{"app_name":"ma_app","app_description":"d"}',
    "login": '-POST /v3/auth/tokens\n{"auth":{"identity":{"methods":["password"],"password":{"user":'
             '{"name":"admin","password":"wrong","domain":{"name":"default"}}}},"scope":{"project":{"id":"{project_id}"}}}}',
    "projects": "GET /v3/projects?name=default",
    "audit": "GET /v2/{project_id}/gatehouse/audit-events?limit=5&offset=-1",
    "app_code": 'POST /v2/{project_id}/apigw/instances/{instance_id}/apps/{app_id}/app-codes\n{"app_code":"'
                + "A" * 64 + '"}',
    "reset_secret": 'PUT /v2/{project_id}/apigw/instances/{instance_id}/apps/secret/{app_id}\n{"app_secret":"Secret_123"}',
    "update_group": 'PUT /v2/{project_id}/apigw/instances/{instance_id}/api-groups/{group_id}\n{"name":"renamed","remark":null}',
    "env_variable": 'POST /v2/{project_id}/apigw/instances/{instance_id}/env-variables\n'
                    '{"group_id":"{group_id}","env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID","variable_name":"var_1","variable_value":"v"}',
}
for name, data in admin.items():
    write("admin_api", name, data)
