namespace TrackTrace.Cli.Demo;

/// <summary>What a demo run left in the service for a person, or a browser test, to look at.</summary>
/// <param name="OceanBreached">Ocean-reefer shipment whose cold chain broke at the port; its destination scan was refused (409 delivery-refused).</param>
/// <param name="OceanDelivered">Ocean-reefer shipment (an SSCC-18) that stayed in range and was delivered.</param>
/// <param name="RoadDelivered">Road-domestic shipment, delivered.</param>
/// <param name="OutOfSequence">Ocean-reefer shipment scanned once at the port before export customs (409 out-of-sequence), then delivered.</param>
/// <param name="StaffCertificatePath">PEM certificate of the staff device the demo enrolled.</param>
/// <param name="StaffKeyPath">Its PEM private key (mode 600).</param>
/// <param name="StaffPkcs12Path">Both as PKCS#12 for a browser, password <see cref="DemoRun.StaffPkcs12Password"/> (mode 600).</param>
/// <param name="Shipments">Every shipment the run registered.</param>
public sealed record DemoResult(
    string OceanBreached,
    string OceanDelivered,
    string RoadDelivered,
    string OutOfSequence,
    string StaffCertificatePath, string StaffKeyPath, string StaffPkcs12Path,
    IReadOnlyList<string> Shipments);
