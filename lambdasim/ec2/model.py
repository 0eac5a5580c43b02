"""The EC2 platform as a SimPy model: the same arrivals, served by a fleet.

The driver of :class:`~lambdasim.servers.driver.ServerModel` walks the
arrivals (the same arrivals and drawn durations as the Lambda run: common
random numbers). It yields to SimPy only when another process (the
autoscaler, a schedule) has an event due before the next arrival, so a
fixed fleet runs with a handful of SimPy events in all. At each arrival it brings the
:class:`~lambdasim.servers.fleet.Fleet` up to date (completions and boots are
replayed lazily from heaps), then starts the request on the least-loaded
instance with a free slot or queues it. An :class:`Autoscaler` runs
beside it. A request's work on EC2 is its drawn CPU and waiting time
(:mod:`lambdasim.work`) times ``ec2.speed_factor``, run as
:mod:`lambdasim.servers.capacity` says (memory admission, processor-shared
vCPUs); there is no per-request cold start, but a launched instance serves
only after ``boot_s + warmup_s``. The instances of the initial fleet are
booted before the horizon starts. With ``ec2.spot`` a share of the
instances run on Spot and are interrupted (:mod:`lambdasim.servers.spot`,
notices from the ``ec2`` random stream 1), as Fargate Spot tasks are.
"""
from __future__ import annotations

from lambdasim.billing.catalogue import instance_spec, load_catalogue
from lambdasim.rng import stream
from lambdasim.servers.autoscaler import Autoscaler
from lambdasim.servers.capacity import Capacity, server_capacity
from lambdasim.servers.driver import ServerModel
from lambdasim.servers.scaling import initial_count
from lambdasim.servers.spot import SpotFleet, spot_rate
from lambdasim.scenario import Scenario
from lambdasim.timeseries import HourlyCounts

__all__ = ["EC2Model", "ec2_capacity", "offered_load", "initial_instances"]


def ec2_capacity(scenario: Scenario) -> Capacity:
    """What one instance of ``ec2.instance_type`` can do for this scenario's work."""
    ec2 = scenario.ec2
    spec = instance_spec(ec2.instance_type, load_catalogue(scenario.pricing))
    return server_capacity(scenario.functions, scenario.horizon_s, instance_type=ec2.instance_type,
                           vcpu=spec.vcpu, memory_gib=spec.memory_gib, reserve_mb=ec2.reserve_mb,
                           workers=ec2.workers_per_instance, speed_factor=ec2.speed_factor,
                           working_memory_mb=ec2.working_memory_mb)


def offered_load(scenario: Scenario) -> float:
    """The offered load in instances' worth of capacity (the binding resource: vCPUs or slots)."""
    return ec2_capacity(scenario).load_in_instances()


def initial_instances(scenario: Scenario) -> int:
    """The fleet at time 0: the policy's ``instances``, else sized to the offered load."""
    return initial_count(scenario.ec2.scaling, scenario, offered_load)


class EC2Model(ServerModel):
    def __init__(self, scenario: Scenario, keep_records: bool = True):
        ec2, sp = scenario.ec2, scenario.ec2.spot
        super().__init__(scenario, ec2.speed_factor, keep_records)
        self.capacity = ec2_capacity(scenario)
        cat = load_catalogue(scenario.pricing) if sp.share > 0 else None
        notice = cat["ec2.spot_notice_s"] if cat is not None else 0.0
        rate = spot_rate(sp.interruptions_per_instance_hour, cat, "ec2.spot_interruptions_per_hour")
        spot = self.spot_process(stream(scenario.seed, "ec2", 1), rate, notice,
                                 sp.on_interruption == "requeue")
        self.fleet = SpotFleet(self.capacity.slots, ec2.boot_s + ec2.warmup_s, ec2.request_timeout_s, ec2.queue_limit,
                               vcpu=self.capacity.vcpu, spot_share=sp.share, on_launch=spot.launched)
        spot.attach(self.fleet)
        for _ in range(initial_instances(scenario)):
            self.fleet.launch(0.0, booted=True)
        self.autoscaler = Autoscaler(self.env, self.fleet, ec2.scaling)
        if ec2.load_balancer:
            self.tally.hourly = HourlyCounts(len(scenario.functions), scenario.measured_s)  # LCUs are hourly
