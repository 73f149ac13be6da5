using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using TrackTrace.Api.Security;

namespace TrackTrace.Api.Hosting;

/// <summary>Swagger UI at /swagger: every operation states the roles it admits and the mTLS scheme.</summary>
public static class Swagger
{
    private const string SchemeId = "mutualTLS";

    public static IServiceCollection AddTrackTraceSwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "TrackTrace",
                Version = "v1",
                Description = "Proves where a shipment has been. Every call needs a client certificate from the " +
                              "operator's CA, enrolled to a device whose role the operation admits. Errors are RFC 7807 problem+json.",
            });
            o.AddSecurityDefinition(SchemeId, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.MutualTLS,
                Description = "X.509 client certificate issued by the TrackTrace CA and enrolled with POST /api/devices.",
            });
            o.OperationFilter<RoleOperationFilter>();
            var xml = Path.Combine(AppContext.BaseDirectory, "TrackTrace.Api.xml");
            if (File.Exists(xml))
            {
                o.IncludeXmlComments(xml);
            }
        });
        return services;
    }

    public static void UseTrackTraceSwagger(this WebApplication app)
    {
        app.UseSwagger(o => o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1);
        app.UseSwaggerUI(o => o.DocumentTitle = "TrackTrace API");
    }

    private sealed class RoleOperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var policies = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>()
                .Select(a => a.Policy).OfType<string>().ToArray();
            if (policies.Length == 0)
            {
                return;
            }

            var roles = policies.SelectMany(p => Roles.Policies.GetValueOrDefault(p, [p])).Distinct();
            operation.Description = $"Roles: {string.Join(", ", roles)}. {operation.Description}".Trim();
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(SchemeId, context.Document)] = [],
            });
        }
    }
}
