"""Composition: the one place that picks adapters from settings and wires the services.

Everything is built lazily (cached) so a Lambda cold start only pays for what it uses.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

# Every API request reads the table: botocore's session and client code load with the container (in a
# function's init, and so in a SnapStart snapshot), not in the first request. The client itself is built on
# first use, with the environment's credentials.
import botocore.session
from botocore.config import Config

from switchboard.clock import Clock, utcnow
from switchboard.settings import Settings, get_settings

if TYPE_CHECKING:
    from switchboard.carrier.port import Carrier
    from switchboard.eventbus import EventBus
    from switchboard.scheduling import OneOffScheduler
    from switchboard.store.dynamo import Table


class Container:
    def __init__(self, settings: Settings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        from switchboard.net.guard import system_resolver

        # How tenant URLs' host names are resolved (tests put a scripted resolver here to rebind names).
        self.resolver = system_resolver

    # --- AWS clients -------------------------------------------------------------------
    def aws_client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service, region_name=self.settings.aws_region, endpoint_url=self.settings.aws_endpoint_url
        )

    @cached_property
    def dynamodb(self) -> Any:
        """Short timeouts: an unreachable table must fail (503, or a retry) in seconds, not botocore's 60 s.

        A botocore client, as boto3.client would build it, without importing boto3 (and s3transfer with it)
        on every request's path; from `aws_session()`, which SnapStart's hook warms.
        """
        config = Config(connect_timeout=2, read_timeout=10, retries={"mode": "standard", "max_attempts": 3})
        return aws_session().create_client("dynamodb", region_name=self.settings.aws_region,
                                           endpoint_url=self.settings.aws_endpoint_url, config=config)

    @cached_property
    def table(self) -> Table:
        from switchboard.store.dynamo import Table

        return Table(self.dynamodb, self.settings.table_name)

    # --- repositories ------------------------------------------------------------------
    @cached_property
    def projects(self) -> Any:
        from switchboard.store.projects import ProjectRepo

        return ProjectRepo(self.table, self.clock)

    @cached_property
    def agents(self) -> Any:
        from switchboard.store.agents import AgentRepo

        return AgentRepo(self.table, self.clock)

    @cached_property
    def numbers(self) -> Any:
        from switchboard.store.numbers import NumberRepo

        return NumberRepo(self.table, self.clock)

    @cached_property
    def calls(self) -> Any:
        from switchboard.store.calls import CallRepo

        return CallRepo(self.table, self.clock)

    @cached_property
    def web_tokens(self) -> Any:
        from switchboard.store.web_tokens import WebTokenRepo

        return WebTokenRepo(self.table)

    @cached_property
    def usage(self) -> Any:
        from switchboard.store.usage import UsageRepo

        return UsageRepo(self.table, self.clock)

    @cached_property
    def webhooks(self) -> Any:
        from switchboard.store.webhooks import WebhookRepo

        return WebhookRepo(self.table, self.clock)

    @cached_property
    def deliveries(self) -> Any:
        from switchboard.store.deliveries import DeliveryRepo

        return DeliveryRepo(self.table, self.clock)

    @cached_property
    def conversations(self) -> Any:
        from switchboard.store.conversations import ConversationRepo

        return ConversationRepo(self.table, self.clock)

    @cached_property
    def contacts(self) -> Any:
        from switchboard.store.contacts import ContactRepo

        return ContactRepo(self.table, self.clock)

    @cached_property
    def sub_accounts(self) -> Any:
        from switchboard.store.sub_accounts import SubAccountRepo

        return SubAccountRepo(self.table, self.clock)

    # --- ports -------------------------------------------------------------------------
    @cached_property
    def carrier(self) -> Carrier:
        from switchboard.carrier.factory import build_carrier

        return build_carrier(self.settings, self.aws_client)

    @cached_property
    def event_queue(self) -> Any:
        """Where non-voice webhook events go to be delivered (SQS)."""
        from switchboard.webhooks.queue import SqsEventQueue

        return SqsEventQueue(self.aws_client("sqs"), self.settings.delivery_queue_url)

    @cached_property
    def event_bus(self) -> EventBus:
        """The platform's EventBridge bus (CallCompleted / CallFailed for workflows)."""
        from switchboard.eventbus import EventBridgeBus

        return EventBridgeBus(self.aws_client("events"), self.settings.event_bus_name)

    @cached_property
    def scheduler(self) -> OneOffScheduler:
        """One-off schedules for scheduled calls (EventBridge Scheduler; moto locally, fired by local mode)."""
        from switchboard.scheduling import EventBridgeScheduler

        s = self.settings
        return EventBridgeScheduler(self.aws_client("scheduler"), s.schedule_group_name,
                                    target_arn=s.outbound_function_arn, role_arn=s.scheduler_role_arn)

    @cached_property
    def secrets(self) -> Any:
        """Secrets Manager, for SIP trunk credentials."""
        from switchboard.secrets_store import SecretStore

        return SecretStore(self.aws_client("secretsmanager"), self.settings.sip_secret_prefix)

    @cached_property
    def sip_trunks(self) -> Any:
        from switchboard.store.scoped import ScopedItems

        return ScopedItems(self.table, self.clock, kind="siptrunk", prefix="TRUNK#", noun="SIP trunk",
                           counted="sipTrunks")

    @cached_property
    def verifications(self) -> Any:
        from switchboard.store.scoped import ScopedItems

        return ScopedItems(self.table, self.clock, kind="verification", prefix="VERIFY#", noun="verification")

    @cached_property
    def feedback(self) -> Any:
        from switchboard.store.scoped import ScopedItems

        return ScopedItems(self.table, self.clock, kind="feedback", prefix="FEEDBACK#", noun="feedback entry",
                           counted="feedback")

    @cached_property
    def signing_key(self) -> str:
        """The key of signed links: from Secrets Manager when a secret is configured, else from settings."""
        if self.settings.signing_secret_arn:
            return str(self.aws_client("secretsmanager").get_secret_value(
                SecretId=self.settings.signing_secret_arn)["SecretString"])
        return self.settings.signing_key

    @cached_property
    def recordings(self) -> Any:
        """Call recordings in S3; None when the deployment has no bucket (nothing is recorded)."""
        from switchboard.recordings import RecordingStore

        if not self.settings.recordings_bucket:
            return None
        return RecordingStore(self.aws_client("s3"), self.settings.recordings_bucket)

    @cached_property
    def webhook_sender(self) -> Any:
        from switchboard.webhooks.sender import WebhookSender

        return WebhookSender(local_mode=self.settings.local_mode, resolver=lambda h, p: self.resolver(h, p))

    @cached_property
    def idempotency(self) -> Any:
        from switchboard.services.idempotency import Idempotency

        return Idempotency(self.dynamodb, self.settings.table_name)


@lru_cache(maxsize=1)
def aws_session() -> Any:
    """The process's botocore session: it caches the service models and endpoint data its clients load.

    In the built layer its loader reads the DynamoDB client's data as prebuilt at build time (aws_data.py).
    """
    from switchboard.aws_data import use_prebuilt

    session = botocore.session.get_session()
    use_prebuilt(session)
    return session


@lru_cache(maxsize=1)
def get_container() -> Container:
    return Container(get_settings())
