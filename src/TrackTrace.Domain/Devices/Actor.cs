namespace TrackTrace.Domain.Devices;

/// <summary>Where a change to a device came from: it decides what may be changed and is kept in the audit.</summary>
public enum ActorKind
{
    /// <summary>A device with role admin, over the API.</summary>
    Admin,

    /// <summary>A <c>SuspendDevice</c> command from RabbitMQ.</summary>
    Bus,

    /// <summary>The service's own monitoring rules.</summary>
    Monitor,

    /// <summary>The service at start-up (the first admin).</summary>
    Bootstrap,

    /// <summary>The device itself (e.g. renewing its certificate).</summary>
    Device,
}

/// <summary>Who did it, written into the audit as <c>kind:name</c> except for admins (their device id).</summary>
public sealed record Actor(ActorKind Kind, string Name)
{
    public static Actor Admin(string deviceId) => new(ActorKind.Admin, deviceId);

    /// <summary>The device itself: it enrolled with its token, or renewed with its certificate.</summary>
    public static Actor Device(string deviceId) => new(ActorKind.Device, deviceId);

    public static Actor Monitor(string rule) => new(ActorKind.Monitor, rule);

    public static readonly Actor Bootstrap = new(ActorKind.Bootstrap, "bootstrap");

    public override string ToString() => Kind switch
    {
        ActorKind.Admin => Name,
        ActorKind.Bootstrap => Name,
        ActorKind.Bus => "bus:" + Name,
        ActorKind.Monitor => "monitor:" + Name,
        ActorKind.Device => "device:" + Name,
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "not an actor kind"),
    };
}
