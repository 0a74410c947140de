"""SDK-HMAC-SHA256 request signing, written from Huawei's Python SDK core signer
(huaweicloudsdkcore/signer/signer.py, docs/compatibility.md#signature): every header whose name
has no '_' is signed, names lower-cased and sorted; canonical URI = decoded path split and re-encoded per
segment with a trailing '/'; query sorted by name then value, each part percent-encoded (safe '~'); payload hash =
X-Sdk-Content-Sha256 if present, else SHA-256 of the body."""
import datetime
import hashlib
import hmac
import urllib.parse

ALGORITHM = "SDK-HMAC-SHA256"


def _enc(s):
    return urllib.parse.quote(s, safe="~")


def canonical_uri(path):
    # docs/compatibility.md#signature: percent-decode the whole path, then split on '/' and encode
    # each segment (so an encoded '/' inside a segment canonicalises like a separator, as the Go SDK does).
    segments = [_enc(seg) for seg in urllib.parse.unquote(path).split("/")]
    uri = "/".join(segments)
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query):
    pairs = []
    for part in query.split("&") if query else []:
        if not part:
            continue
        k, _, v = part.partition("=")
        pairs.append((urllib.parse.unquote(k), urllib.parse.unquote(v)))
    pairs.sort()
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)


def sdk_date(when=None):
    when = when or datetime.datetime.now(datetime.timezone.utc)
    return when.strftime("%Y%m%dT%H%M%SZ")


def canonical_request(method, target, headers, body, signed):
    path, _, query = target.partition("?")
    lower = {k.lower(): v for k, v in headers.items()}
    if isinstance(body, str):
        body = body.encode("utf-8")
    payload = lower.get("x-sdk-content-sha256") or hashlib.sha256(body or b"").hexdigest()
    canon_headers = "".join(f"{h}:{lower[h].strip()}\n" for h in signed)
    return "\n".join([method.upper(), canonical_uri(path), canonical_query(query), canon_headers,
                      ";".join(signed), payload])


def authorization(ak, sk, method, target, headers, body=b"", signed=None):
    """The Authorization value for a request whose headers already hold X-Sdk-Date and Host."""
    if signed is None:
        signed = sorted(k.lower() for k in headers if "_" not in k)
    creq = canonical_request(method, target, headers, body, signed)
    date = {k.lower(): v for k, v in headers.items()}["x-sdk-date"]
    sts = f"{ALGORITHM}\n{date}\n{hashlib.sha256(creq.encode()).hexdigest()}"
    sig = hmac.new(sk.encode(), sts.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Access={ak}, SignedHeaders={';'.join(signed)}, Signature={sig}"


def sign(ak, sk, project_id, method, host, target, body=b"", date=None, extra_headers=None):
    """Headers the official SDK sends for a management call (BasicCredentials with project id):
    Content-Type, Host, User-Agent, X-Project-Id, X-Sdk-Date, then Authorization."""
    headers = {"Content-Type": "application/json", "Host": host,
               "User-Agent": "huaweicloud-usdk-python/3.0", "X-Project-Id": project_id,
               "X-Sdk-Date": date or sdk_date()}
    headers.update(extra_headers or {})
    headers["Authorization"] = authorization(ak, sk, method, target, headers, body)
    return headers


def sign_app_request(method, url, headers, body, key, secret):
    """Headers for a data-plane call signed the APIG app SDK's way: X-Sdk-Date and Host added
    when absent, then every header present signed (docs/compatibility.md#signature, apig_sdk)."""
    parsed = urllib.parse.urlsplit(url)
    headers = dict(headers)
    lower = {k.lower() for k in headers}
    if "x-sdk-date" not in lower:
        headers["X-Sdk-Date"] = sdk_date()
    if "host" not in lower:
        headers["Host"] = parsed.netloc
    target = parsed.path or "/"
    if parsed.query:
        target += "?" + parsed.query
    signed = sorted(k.lower() for k in headers)
    headers["Authorization"] = authorization(key, secret, method, target, headers, body, signed)
    return headers
