"""SDK-HMAC-SHA256 request signing exactly as Huawei's SDK signers compute it (reference §B.4).

Independent of Gatehouse's C++ implementation, so tests check one against the other."""
import datetime
import hashlib
import hmac
import urllib.parse

ALGORITHM = "SDK-HMAC-SHA256"


def _escape(s: str) -> str:
    return urllib.parse.quote(s, safe="-_.~")


def canonical_uri(path: str) -> str:
    segments = [_escape(urllib.parse.unquote(seg)) for seg in path.split("/")]
    uri = "/".join(segments)
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query: str) -> str:
    pairs = []
    for part in query.split("&") if query else []:
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((urllib.parse.unquote(name), urllib.parse.unquote(value)))
    pairs.sort()
    return "&".join(f"{_escape(k)}={_escape(v)}" for k, v in pairs)


def sdk_date(when: datetime.datetime | None = None) -> str:
    when = when or datetime.datetime.now(datetime.timezone.utc)
    return when.strftime("%Y%m%dT%H%M%SZ")


def sign(method: str, url: str, headers: dict, body: bytes, key: str, secret: str) -> dict:
    """Returns headers with X-Sdk-Date (if absent), Host and Authorization added; every header
    present is signed (the APIG app SDK's way)."""
    parsed = urllib.parse.urlsplit(url)
    headers = dict(headers)
    lower = {k.lower(): k for k in headers}
    if "x-sdk-date" not in lower:
        headers["X-Sdk-Date"] = sdk_date()
    if "host" not in lower:
        headers["Host"] = parsed.netloc
    lower = {k.lower(): v for k, v in headers.items()}
    signed = sorted(lower)
    canonical_headers = "".join(f"{h}:{lower[h].strip()}\n" for h in signed)
    payload = lower.get("x-sdk-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join([method.upper(), canonical_uri(parsed.path or "/"),
                           canonical_query(parsed.query), canonical_headers, ";".join(signed),
                           payload])
    string_to_sign = "\n".join([ALGORITHM, lower["x-sdk-date"],
                                hashlib.sha256(canonical.encode()).hexdigest()])
    signature = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (f"{ALGORITHM} Access={key}, SignedHeaders={';'.join(signed)}, "
                                f"Signature={signature}")
    return headers
