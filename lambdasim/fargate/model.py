"""The Fargate platform as a SimPy model: the same arrivals, served by the tasks of an ECS service.

A sibling of the EC2 model on the shared server machinery
(:mod:`lambdasim.servers`): the driver of
:class:`~lambdasim.servers.driver.ServerModel` walks the arrivals (common
random numbers with every other platform) and yields to SimPy only when the
autoscaler or a Spot interruption has an event due first. Each request goes
to the least-loaded task with a free worker, or waits in the FIFO queue.
Tasks are a :class:`TaskFleet`: each starts after a drawn start delay (the
initial tasks are running at time 0), and a share of them run on Fargate
Spot (:mod:`lambdasim.servers.spot`), where a notice takes the task out of
service and launches a replacement; ``fargate.spot_notice_s`` later the
task stops, and requests still running on it are started again on another
task (``requeue``) or lost (``lose``), and counted either way.
"""
from __future__ import annotations

from lambdasim.billing.catalogue import Catalogue, load_catalogue
from lambdasim.billing.fargate import TaskSize, task_size
from lambdasim.fargate.tasks import TaskFleet
from lambdasim.rng import stream
from lambdasim.scenario import Scenario
from lambdasim.servers.autoscaler import Autoscaler
from lambdasim.servers.capacity import Capacity, server_capacity
from lambdasim.servers.driver import ServerModel
from lambdasim.servers.scaling import initial_count
from lambdasim.servers.spot import spot_rate

__all__ = ["FargateModel", "fargate_capacity", "offered_load", "initial_tasks"]


def fargate_capacity(scenario: Scenario, catalogue: Catalogue | None = None) -> Capacity:
    """What one task (the allowed size the section rounds up to) can do for this scenario's work."""
    fg = scenario.fargate
    size = task_size(fg.vcpu, fg.memory_gb, catalogue or load_catalogue(scenario.pricing), fg.arch)
    return server_capacity(scenario.functions, scenario.horizon_s, instance_type=f"Fargate task {size.label}",
                           vcpu=size.vcpu, memory_gib=size.memory_gib, reserve_mb=fg.reserve_mb,
                           workers=fg.workers_per_task, speed_factor=fg.speed_factor,
                           working_memory_mb=fg.working_memory_mb, section="fargate")


def offered_load(scenario: Scenario) -> float:
    """The offered load in tasks' worth of capacity (the binding resource: vCPUs or slots)."""
    return fargate_capacity(scenario).load_in_instances()


def initial_tasks(scenario: Scenario) -> int:
    """The service's tasks at time 0: the policy's ``instances``, else sized to the offered load."""
    return initial_count(scenario.fargate.scaling, scenario, offered_load)


class FargateModel(ServerModel):
    def __init__(self, scenario: Scenario, catalogue: Catalogue, keep_records: bool = True):
        fg = scenario.fargate
        super().__init__(scenario, fg.speed_factor, keep_records)
        self.size: TaskSize = task_size(fg.vcpu, fg.memory_gb, catalogue, fg.arch)
        self.capacity = fargate_capacity(scenario, catalogue)
        rate = spot_rate(fg.spot.interruptions_per_task_hour, catalogue if fg.spot.share > 0 else None,
                         "fargate.spot_interruptions_per_hour")
        spot = self.spot_process(stream(scenario.seed, "fargate", 1), rate,
                                 catalogue["fargate.spot_notice_s"], fg.spot.on_interruption == "requeue")
        self.fleet = TaskFleet(self.capacity.slots, fg.start_delay, stream(scenario.seed, "fargate", 0),
                               fg.spot.share, fg.request_timeout_s, fg.queue_limit, on_launch=spot.launched,
                               vcpu=self.capacity.vcpu)
        spot.attach(self.fleet)
        for _ in range(initial_tasks(scenario)):
            self.fleet.launch(0.0, booted=True)
        self.autoscaler = Autoscaler(self.env, self.fleet, fg.scaling)
