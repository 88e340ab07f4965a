using System.Text.Json;
using Storytailor.Aws;
using Storytailor.Deploy;

namespace Storytailor.Build.Services.Deployment;

/// <summary>
/// The Terraform outputs naming the API identity CloudWatch publishes a colour's metrics under (their names are the
/// app's Terraform contract: terraform.outputs.api_id, api_name, api_stage).
/// </summary>
public static class StackOutputs
{
    /// <summary>
    /// The colour's API identity from its applied stack: api_id (http) or api_name (rest) with api_stage. A REST API
    /// falls back to the colour's ApiName/Stage settings; an HTTP API has no such fallback (its id is generated).
    /// </summary>
    public static (ApiIdentity? Api, string Why) ApiOf(DeploymentEnvironmentSettings settings, ColourTarget colour, IReadOnlyDictionary<string, JsonElement> outputs, Description.TerraformContract? contract = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(colour);
        ArgumentNullException.ThrowIfNull(outputs);
        contract ??= Description.TerraformContract.Default;
        var idOutput = settings.ApiType == ApiGatewayType.Http ? contract.ApiIdOutput : contract.ApiNameOutput;
        var id = Text(outputs, idOutput);
        var stage = Text(outputs, contract.ApiStageOutput);
        if (settings.ApiType == ApiGatewayType.Rest)
        {
            return (new ApiIdentity(ApiGatewayType.Rest, id ?? colour.ApiName, stage ?? colour.Stage), string.Empty);
        }

        return id is null
            ? (null, $"the stack of {colour.Colour.Name()} ({colour.Workspace}) has no {idOutput} output, so the build does not know where its HTTP API metrics are")
            : (new ApiIdentity(ApiGatewayType.Http, id, stage ?? colour.Stage), string.Empty);
    }

    private static string? Text(IReadOnlyDictionary<string, JsonElement> outputs, string name) =>
        outputs.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()) ? value.GetString() : null;
}
