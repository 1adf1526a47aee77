"""Pulling the submissions of a form from an existing ODK Central project (issue 19, part 6).

An organisation that already runs a Central keeps collecting there; `tuopin fieldforms pull` reads a form's
submissions through Central's REST API and stores each as the OpenRosa server stores what a phone sends
(receive.submission_receive: once per instanceID, the attachments checked as every upload, then applied through
the same services, as the Tuopin user the pull is attributed to). A second pull adds nothing it already holds.

pyodk talks to Central: its Client takes its configuration as objects (no config file) and its Session logs in
with the account (a session token kept in memory only, never in pyodk's cache file). The calls are those of
Central's documented API: the submissions' list, each one's XML (`…/submissions/{instanceId}.xml`), its
attachments' list and each attachment. KoboToolbox is not supported: its API (`/api/v2/assets/{uid}/data/`) answers
JSON records rather than the instance XML the apply step reads."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.translation import gettext as _
from pyodk._utils.config import CentralConfig, Config
from pyodk._utils.session import Session
from pyodk.client import Client
from pyodk.errors import PyODKError

from tuopin.accounts.models import User
from tuopin.audit.services import audit_record
from tuopin.core.uploads import UploadRejected
from tuopin.fieldforms.forms import forms_for
from tuopin.fieldforms.models import SubmissionStatus
from tuopin.fieldforms.receive import SubmissionTaken, parse_instance, submission_receive

_LOG = logging.getLogger(__name__)


class PullFailed(Exception):
    """The pull cannot go on (Central unreachable or refusing, a user not allowed the form); nothing more is read."""


@dataclass
class PullSummary:
    fetched: int = 0  # submissions Central listed
    new: int = 0  # stored now (new, or a resend that brought an attachment)
    applied: int = 0  # of those: applied, sent to review, refused
    review: int = 0
    refused: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def central_client(*, url: str, username: str, password: str, project: int) -> Client:
    """A pyodk client of the Central at `url`, configured here rather than from ~/.pyodk_config.toml, its token
    held in memory only."""
    config = Config(central=CentralConfig(base_url=url, username=username, password=password))
    session = Session(base_url=url, api_version="v1", username=username, password=password, cache_path=None)
    return Client(config=config, session=session, project_id=project)


class Central:
    """The few calls of Central's API a pull makes, through a pyodk client."""

    def __init__(self, client: Client, project: int, form_id: str) -> None:
        self.client, self.project, self.form_id = client, project, form_id

    def _get(self, path: str) -> Any:
        url = f"projects/{self.project}/forms/{quote(self.form_id, safe='')}/submissions{path}"
        try:
            return self.client.session.response_or_error(method="GET", url=url, logger=_LOG)
        except PyODKError as error:
            raise PullFailed(_("ODK Central 拒绝了请求：%(error)s") % {"error": str(error)[:300]}) from error

    def instance_ids(self) -> list[str]:
        return [str(row["instanceId"]) for row in self._get("").json()]

    def xml(self, instance_id: str) -> bytes:
        content: bytes = self._get(f"/{quote(instance_id, safe='')}.xml").content
        return content

    def attachments(self, instance_id: str) -> Iterator[tuple[str, bytes]]:
        """The attachments Central holds of the submission (one it lists as not yet arrived is skipped)."""
        base = f"/{quote(instance_id, safe='')}/attachments"
        for row in self._get(base).json():
            if row.get("exists"):
                name = str(row["name"])
                yield name, self._get(f"{base}/{quote(name, safe='')}").content


def submissions_pull(*, central: Central, user: User) -> PullSummary:
    """Store and apply every submission of the form that Tuopin does not hold yet, attributed to `user`."""
    if central.form_id not in {spec.form_id for spec in forms_for(user)}:
        raise PullFailed(
            _("用户 %(user)s 不能提交表单 %(form)s。") % {"user": user.username, "form": central.form_id}
        )
    summary = PullSummary()
    try:
        instance_ids = central.instance_ids()
    except (OSError, ValueError) as error:  # unreachable, or an answer that is not JSON
        raise PullFailed(_("无法读取 ODK Central 的提交列表：%(error)s") % {"error": error}) from error
    summary.fetched = len(instance_ids)
    for instance_id in instance_ids:
        _pull_one(central, user, instance_id, summary)
    audit_record(
        action="fieldforms.pull",
        username=user.username,
        object_type="form",
        object_id=central.form_id,
        details={"project": central.project, **summary.as_dict()},
    )
    return summary


def _pull_one(central: Central, user: User, instance_id: str, summary: PullSummary) -> None:
    xml = central.xml(instance_id)
    try:
        instance = parse_instance(xml)
    except ValueError:
        summary.refused += 1  # nothing to store: not an instance
        return
    if instance.form_id != central.form_id or instance.instance_id != instance_id:
        summary.refused += 1
        return
    files: list[UploadedFile[Any]] = [
        SimpleUploadedFile(
            name, data, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        for name, data in central.attachments(instance_id)
    ]
    try:
        received, added = submission_receive(
            user=user,
            device_id=None,  # type: ignore[arg-type]  # pulled, not sent by one of our devices
            instance=instance,
            xml=xml,
            files=files,
        )
    except (SubmissionTaken, UploadRejected):
        summary.refused += 1  # another user's instanceID here, or an attachment the upload checks refuse
        return
    if not added:
        return
    summary.new += 1
    if received.status == SubmissionStatus.APPLIED:
        summary.applied += 1
    elif received.status == SubmissionStatus.REVIEW:
        summary.review += 1
    elif received.status == SubmissionStatus.REFUSED:
        summary.refused += 1
