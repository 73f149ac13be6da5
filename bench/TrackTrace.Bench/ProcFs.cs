namespace TrackTrace.Bench;

/// <summary>What the benchmarks read about a process from /proc.</summary>
internal static class ProcFs
{
    /// <summary>The process's peak resident set (VmHWM) in MB.</summary>
    public static double PeakRssMb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
        return line is null ? double.NaN : Math.Round(double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024, 1);
    }
}
