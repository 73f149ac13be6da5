namespace TrackTrace.Api.Store;

/// <summary>Marten reports an existing stream key through either of two exception types, by append path.</summary>
public static class StoreErrors
{
    public static bool IsExistingStream(Exception ex) =>
        ex is Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException;
}
