from __future__ import annotations

import tempfile
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from contextd.api.deps import RuntimeDep, SessionDep, UserDep
from contextd.api.schemas import UploadOut, UploadRequest
from contextd.services import uploads

router = APIRouter(tags=["Uploads"])


@router.post("/v1/upload/s3", response_model=UploadOut)
def create_upload(
    body: UploadRequest, session: SessionDep, user: UserDep, runtime: RuntimeDep
) -> UploadOut:
    """Get a presigned URL: PUT the file's bytes there with the same `Content-Type`, then create
    a FILE source with `initial_data.data = fileKey`."""
    settings = runtime.settings
    presigned = uploads.presign(
        session,
        user,
        runtime.blobs,
        filename=body.filename,
        content_type=body.contentType,
        size=body.size,
        max_bytes=settings.max_upload_bytes,
        ttl=settings.upload_url_ttl_seconds,
        base_url=settings.base_url,
        secret=runtime.secret_key,
    )
    return UploadOut(
        uploadUrl=presigned.upload_url,
        publicUrl=presigned.public_url,
        fileKey=presigned.file_key,
    )


@router.put("/uploads/{fileKey:path}", status_code=status.HTTP_200_OK, include_in_schema=True)
async def receive_upload(
    fileKey: str,
    request: Request,
    runtime: RuntimeDep,
    expires: Annotated[int, Query()],
    size: Annotated[int, Query(gt=0)],
    signature: Annotated[str, Query(max_length=128)],
) -> Response:
    """The embedded default's presigned upload target (no API key: the URL's signature is the
    credential). Bytes are spooled to disk as they arrive, then stored."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    uploads.check_signature(
        key=fileKey,
        content_type=content_type,
        expires=expires,
        size=size,
        signature=signature,
        secret=runtime.secret_key,
    )
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
            if spool.tell() > size:
                break
        spool.seek(0)

        def store() -> None:
            with runtime.db.session() as session:
                uploads.receive(
                    session,
                    runtime.blobs,
                    key=fileKey,
                    content_type=content_type,
                    expires=expires,
                    size=size,
                    signature=signature,
                    body=spool,
                    secret=runtime.secret_key,
                )

        await run_in_threadpool(store)
    return Response(status_code=status.HTTP_200_OK)


@router.get("/v1/files/{fileKey:path}", response_class=Response)
def download_file(
    fileKey: str, session: SessionDep, user: UserDep, runtime: RuntimeDep
) -> Response:
    """The uploaded file (`publicUrl`), for its owner."""
    upload, data = uploads.read_owned(session, runtime.blobs, user, fileKey)
    return Response(data, media_type=upload.content_type)
