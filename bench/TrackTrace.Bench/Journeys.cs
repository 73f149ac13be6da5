using System.Collections.Concurrent;

namespace TrackTrace.Bench;

/// <summary>
/// Walks shipments leg by leg along ocean-reefer so every scan is the next allowed station (an
/// accepted check-in). Each worker takes a shipment of its own from the shared pool and keeps it
/// until delivered, so no two workers ever touch one shipment.
/// </summary>
public sealed class Journeys(ConcurrentQueue<string> pool, int workers, int legs = 7)
{
    private readonly string?[] _current = new string?[workers];
    private readonly int[] _leg = new int[workers];

    /// <summary>The worker's next check-in, or null when the pool is empty.</summary>
    public (string ShipmentId, string StationType)? Next(int worker)
    {
        if (_current[worker] is null)
        {
            if (!pool.TryDequeue(out var shipment))
            {
                return null;
            }

            _current[worker] = shipment;
            _leg[worker] = 0;
        }

        return (_current[worker]!, Fleet.OceanLegs[_leg[worker]]);
    }

    public void Accepted(int worker)
    {
        if (++_leg[worker] == legs)
        {
            _current[worker] = null;
        }
    }

    /// <summary>Leaves the shipment where it is (after an unexpected answer).</summary>
    public void Abandon(int worker) => _current[worker] = null;
}
