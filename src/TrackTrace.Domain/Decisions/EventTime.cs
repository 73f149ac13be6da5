namespace TrackTrace.Domain.Decisions;

/// <summary>
/// When a device says something happened: not further in the future than the clock skew allows, and
/// not further in the past than the configured bound, so a backdated fact can neither rewrite the
/// order staff read nor force an unbounded re-evaluation of what was already judged.
/// </summary>
public sealed record EventTimeWindow(TimeSpan ClockSkew, TimeSpan MaxAge)
{
    public static readonly EventTimeWindow Default = new(TimeSpan.FromMinutes(5), TimeSpan.FromDays(30));

    /// <summary>Null when <paramref name="at"/> is acceptable at <paramref name="now"/>; otherwise what is wrong.</summary>
    public string? Problem(DateTimeOffset at, DateTimeOffset now)
    {
        if (at - now > ClockSkew)
        {
            return $"is {at - now:c} in the future; at most {ClockSkew:c} of clock skew is accepted";
        }

        if (now - at > MaxAge)
        {
            return $"is {now - at:c} in the past; events older than {MaxAge:c} are not accepted";
        }

        return null;
    }
}
