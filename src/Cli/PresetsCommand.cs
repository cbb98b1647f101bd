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
                Output.Line($"  values: {ConfigJson.Write(p.Config with { Preset = p.Name }).ToJsonString()}");
            }
            if (r.GetValue(JsonOpt))
                Output.Json(new Dictionary<string, object?>
                {
                    ["default"] = Presets.DefaultForTraining,
                    ["presets"] = Presets.All.Select(p => new Dictionary<string, object?>
                    {
                        ["name"] = p.Name, ["description"] = p.Description, ["source"] = p.Source,
                        ["values"] = ConfigJson.Write(p.Config with { Preset = p.Name }),
                    }).ToList(),
                });
            return 0;
        }));
        return c;
    }
}
