"""Common Polish first names: the tie-break between rare and common lemmas (Roberta -> Robert)."""

from __future__ import annotations

# Why a list at all: morfeusz offers Roberto/Robert for "Roberta" and Jack/Jacek for "Jacka";
# a clerk reads the common Polish name. The list also lets us read names written without
# diacritics ("Stanislawa" -> Stanislaw) by folding its generated forms.
MALE = """
Adam Adrian Albert Aleksander Alfred Andrzej Antoni Arkadiusz Artur Bartłomiej Bartosz Benedykt
Błażej Bogdan Bogumił Bogusław Bolesław Bronisław Cezary Czesław Damian Daniel Dariusz Dawid
Dominik Edward Emil Eryk Eugeniusz Feliks Filip Franciszek Fryderyk Gabriel Grzegorz Gustaw
Henryk Hubert Ignacy Igor Ireneusz Jacek Jakub Jan Janusz Jarosław Jerzy Jędrzej Józef Julian
Juliusz Kacper Kajetan Kamil Karol Kazimierz Konrad Kornel Krystian Krzysztof Ksawery Leon
Leopold Leszek Lech Lucjan Ludwik Łukasz Maciej Maksymilian Marceli Marcel Marcin Marek Marian
Mariusz Mateusz Maurycy Michał Mieczysław Mikołaj Miłosz Mirosław Nikodem Norbert Olaf Oliwer
Oskar Patryk Paweł Piotr Przemysław Radosław Rafał Remigiusz Robert Roman Ryszard Sebastian
Seweryn Sławomir Stanisław Stefan Szymon Tadeusz Tobiasz Tomasz Tymoteusz Wacław Waldemar
Wiesław Wiktor Witold Władysław Włodzimierz Wojciech Zbigniew Zdzisław Zenon Zygmunt Alan
Ariel Bernard Edmund Gerard Jerzy Lesław Longin Stanisław Teodor Walenty Wincenty Zenobiusz
"""

FEMALE = """
Adrianna Agata Agnieszka Aldona Aleksandra Alicja Alina Amelia Aneta Angelika Anna Antonina
Barbara Beata Bernadeta Bogumiła Bogusława Bożena Celina Danuta Daria Diana Dominika Dorota
Edyta Eliza Elżbieta Emilia Ewa Ewelina Felicja Gabriela Genowefa Grażyna Halina Hanna Helena
Henryka Honorata Ilona Irena Irmina Iwona Izabela Jadwiga Jagoda Janina Joanna Jolanta Jowita
Józefa Julia Julita Justyna Kamila Karolina Katarzyna Kinga Klaudia Krystyna Ksenia Larysa Laura
Lena Leokadia Lidia Liliana Lucyna Ludmiła Łucja Magdalena Maja Małgorzata Maria Marianna
Mariola Marlena Marta Martyna Marzena Michalina Milena Mirosława Monika Nadia Natalia Nikola
Oksana Olga Oliwia Patrycja Paulina Regina Renata Roksana Róża Sabina Sandra Stanisława
Stefania Sylwia Tamara Teodora Teresa Urszula Wanda Weronika Wiesława Wiktoria Wioletta
Zdzisława Zenona Zofia Zuzanna Żaneta Bronisława Czesława Jarosława Kazimiera Władysława
"""

MALE_NAMES = frozenset(MALE.split())
FEMALE_NAMES = frozenset(FEMALE.split())
COMMON = MALE_NAMES | FEMALE_NAMES
