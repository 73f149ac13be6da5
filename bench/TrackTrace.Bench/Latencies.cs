namespace TrackTrace.Bench;

/// <summary>What a load run measured: completed operations in the measured window and their latencies.</summary>
public sealed class Latencies
{
    private readonly List<double> _milliseconds = [];

    public long Operations { get; private set; }
    public long Errors { get; private set; }
    public TimeSpan Window { get; set; }

    public void Add(double milliseconds)
    {
        lock (_milliseconds)
        {
            _milliseconds.Add(milliseconds);
            Operations++;
        }
    }

    public void Error()
    {
        lock (_milliseconds)
        {
            Errors++;
        }
    }

    public double PerSecond => Window.TotalSeconds > 0 ? Operations / Window.TotalSeconds : 0;

    public double Percentile(double p)
    {
        lock (_milliseconds)
        {
            if (_milliseconds.Count == 0)
            {
                return double.NaN;
            }

            _milliseconds.Sort();
            var rank = (int)Math.Ceiling(p / 100 * _milliseconds.Count) - 1;
            return _milliseconds[Math.Clamp(rank, 0, _milliseconds.Count - 1)];
        }
    }

    public double Mean
    {
        get
        {
            lock (_milliseconds)
            {
                return _milliseconds.Count == 0 ? double.NaN : _milliseconds.Average();
            }
        }
    }

    public object Summary() => new
    {
        operations = Operations,
        errors = Errors,
        seconds = Math.Round(Window.TotalSeconds, 1),
        perSecond = Math.Round(PerSecond, 1),
        p50Ms = Math.Round(Percentile(50), 2),
        p95Ms = Math.Round(Percentile(95), 2),
        p99Ms = Math.Round(Percentile(99), 2),
        meanMs = Math.Round(Mean, 2),
    };
}
