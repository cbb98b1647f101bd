namespace Neuromorphic.Cli;

/// <summary>`neuromorphic presets`: every named parameter set with its values.</summary>
public static class PresetsCommand
{
    public static Command Create()
    {
        var c = new Command("presets", "list the named parameter sets (`train --preset NAME`) with every value");
        Add(c, JsonOpt);
        c.SetAction(r => Guard(() =>
        {
            foreach (var p in Presets.All)
            {
                Output.Line($"{p.Name}{(p.Name == Presets.DefaultForTraining ? " (train's default)" : "")}: {p.Description}");
                Output.Line($"  source: {p.Source}");
                Output.Line($"  values: {System.Text.Json.JsonSerializer.Serialize(p.Config with { Preset = p.Name }, ModelFile.Json)}");
            }
            if (r.GetValue(JsonOpt))
                Output.Json(new Dictionary<string, object?>
                {
                    ["default"] = Presets.DefaultForTraining,
                    ["presets"] = Presets.All.Select(p => new Dictionary<string, object?>
                    {
                        ["name"] = p.Name, ["description"] = p.Description, ["source"] = p.Source,
                        ["values"] = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(p.Config with { Preset = p.Name }, ModelFile.Json)).RootElement,
                    }).ToList(),
                });
            return 0;
        }));
        return c;
    }
}
